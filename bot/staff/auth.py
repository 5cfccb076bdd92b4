"""Passwords (argon2id via argon2-cffi) and the login throttle.

The throttle counts failures per account and per client address: five
failures within the lockout window lock that account (twenty lock the
address) until the window has passed, whether or not the next password is right.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.staff.settings import StaffSettings
from bot.staff.store import Store

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


def add_user(store: Store, name: str, password: str) -> None:
    if not NAME.match(name):
        raise ValueError("user names are 2-64 letters, digits, '_', '.', '@' or '-'")
    if store.password_hash(name) is not None:
        raise ValueError(f"user {name!r} already exists")
    store.add_user(name, hash_password(password))


@dataclass
class LoginResult:
    user: Optional[str] = None
    locked_for: float = 0.0  # seconds; > 0 when throttled


IP_FACTOR = 4  # an address may fail for a few accounts (a shared office) before it is locked


def _keys(name: str, address: str) -> tuple:
    return (f"user:{name.lower()}", f"ip:{address}")


def locked_for(store: Store, settings: StaffSettings, name: str, address: str) -> float:
    """Seconds until a new attempt is allowed (0: allowed now)."""
    window = settings.lockout_minutes * 60
    now = time.time()
    user_key, ip_key = _keys(name, address)
    if store.failures_since(user_key, now - window) >= settings.max_login_failures:
        return window
    if store.failures_since(ip_key, now - window) >= settings.max_login_failures * IP_FACTOR:
        return window
    return 0.0


def login(store: Store, settings: StaffSettings, name: str, password: str, address: str) -> LoginResult:
    """Check a password unless throttled; records failures and clears them on success."""
    wait = locked_for(store, settings, name, address)
    if wait:
        return LoginResult(locked_for=wait)
    stored = store.password_hash(name)
    try:
        HASHER.verify(stored or _dummy_hash(), password)
        ok = stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        for key in _keys(name, address):
            store.add_failure(key)
        return LoginResult()
    if HASHER.check_needs_rehash(stored):
        store.set_password(name, HASHER.hash(password))
    store.clear_failures(_keys(name, address)[0])
    return LoginResult(user=name)
