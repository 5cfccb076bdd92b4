"""Passwords (argon2id via argon2-cffi) and the sign-in throttle.

The throttle counts failed sign-ins within ``lockout_minutes`` (15) by the
client's address and the account name, so no one address can lock out other
people, and no one can keep an account locked for its owner:

- one account from one address: 5 failures, then that address waits before
  trying that account again (other addresses are not affected);
- one address, any account: 20 failures, then that address waits;
- one account from all addresses: after 20 failures (guessing spread over
  many addresses) the account is *slowed*, not locked: every address may
  still try it once per window, so its owner can still sign in.

Behind a reverse proxy the address is taken from X-Forwarded-For, but only
when the direct peer is listed in ``STAFF_TRUSTED_PROXIES``. Checking the
limits and recording the attempt is one SQL statement (Store.take_attempt).
"""

from __future__ import annotations

import functools
import ipaddress
import re
import time
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence, Union

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.staff.settings import StaffSettings
from bot.staff.store import Limits, Store

HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
NAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 10


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified when the account does not exist, so both cases take as long."""
    return HASHER.hash("not a real password")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"passwords need at least {MIN_PASSWORD} characters")
    return HASHER.hash(password)


def add_user(store: Store, name: str, password: str, hub_id: Optional[str] = None) -> None:
    """A staff account, or with ``hub_id`` a hub's account (it sees only that hub's referrals)."""
    if not NAME.match(name):
        raise ValueError("user names are 2-64 letters, digits, '_', '.', '@' or '-'")
    if store.password_hash(name) is not None:
        raise ValueError(f"user {name!r} already exists")
    store.add_user(name, hash_password(password), hub_id)


@dataclass
class LoginResult:
    user: Optional[str] = None
    locked_for: float = 0.0  # seconds; > 0 when throttled


ADDRESS_FACTOR = 4  # an address may fail for a few accounts (a shared office) before it must wait
ACCOUNT_FACTOR = 4  # failures of one account from several addresses before it is slowed
ACCOUNT_KEY_LENGTH = 200
IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


def limits(settings: StaffSettings) -> Limits:
    per = settings.max_login_failures
    return Limits(
        window=settings.lockout_minutes * 60,
        pair=per,
        address=per * ADDRESS_FACTOR,
        account=per * ACCOUNT_FACTOR,
    )


# ---------------------------------------------------------------- the client's address
@functools.lru_cache(maxsize=8)
def _networks(trusted: Sequence[str]) -> tuple:
    return tuple(ipaddress.ip_network(t, strict=False) for t in trusted)


def _ip(text: Optional[str]) -> Optional[IPAddress]:
    """An address from a peer or an X-Forwarded-For entry (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``)."""
    text = (text or "").strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _throttle_key(address: IPAddress) -> str:
    """IPv6 clients usually hold a whole /64, so they are counted as one."""
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_address(peer: Optional[str], forwarded_for: Iterable[str], trusted: Sequence[str]) -> str:
    """The address sign-ins are counted by.

    The direct peer, unless it is a trusted proxy: then the right-most
    X-Forwarded-For entry that is not a trusted proxy itself. Entries further
    left were written by the client and could say anything."""
    address = _ip(peer)
    if address is None:
        return (peer or "unknown")[:64]
    networks = _networks(tuple(trusted))
    if any(address in n for n in networks):
        hops = [hop for header in forwarded_for for hop in header.split(",")]
        for hop in reversed(hops):
            forwarded = _ip(hop)
            if forwarded is None:
                break
            address = forwarded
            if not any(address in n for n in networks):
                break
    return _throttle_key(address)


# ---------------------------------------------------------------- signing in
def _wait(times: list, limit: int, window: float, now: float) -> float:
    """Seconds until fewer than ``limit`` of these failures are inside the window."""
    if len(times) < limit:
        return 0.0
    return times[len(times) - limit] + window - now


def locked_for(
    store: Store, settings: StaffSettings, name: str, address: str, now: Optional[float] = None
) -> float:
    """Seconds until this address may try this account again (0: now)."""
    now = time.time() if now is None else now
    lim, account = limits(settings), _account(name)
    since = now - lim.window
    pair = store.failure_times(account, address, since)
    waits = [
        _wait(store.failure_times(None, address, since), lim.address, lim.window, now),
        _wait(pair, lim.pair, lim.window, now),
    ]
    slowed_until = _wait(store.failure_times(account, None, since), lim.account, lim.window, now)
    if slowed_until > 0:
        waits.append(min(slowed_until, _wait(pair, lim.slowed_pair, lim.window, now)))
    return max(waits)


def _account(name: str) -> str:
    return name.lower()[:ACCOUNT_KEY_LENGTH]


def login(
    store: Store, settings: StaffSettings, name: str, password: str, address: str, now: Optional[float] = None
) -> LoginResult:
    """Check a password unless throttled; a failure counts, a success clears this address's failures."""
    now = time.time() if now is None else now
    account = _account(name)
    attempt = store.take_attempt(account, address, limits(settings), now)
    if attempt is None:
        return LoginResult(locked_for=max(1.0, locked_for(store, settings, name, address, now)))
    stored = store.password_hash(name)
    try:
        HASHER.verify(stored or _dummy_hash(), password)
        ok = stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or stored is None:
        return LoginResult()  # the attempt's row stays: it is a failure
    if HASHER.check_needs_rehash(stored):
        store.rehash(name, HASHER.hash(password))
    store.attempt_succeeded(attempt, account, address)
    return LoginResult(user=name)
