"""The sign-in throttle (issue 13, item 10): per address and account, behind a trusted proxy, atomic."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
import requests

from bot.staff import auth
from bot.staff.settings import load as load_settings
from bot.staff.store import Store
from tests.staff.conftest import PASSWORD, StaffServer, serving, staff_settings

WRONG = "not the password"
PROXY = ("127.0.0.1",)


@pytest.mark.parametrize(
    "peer, forwarded, trusted, expected",
    [
        ("127.0.0.1", ["198.51.100.7"], (), "127.0.0.1"),  # no proxy configured: the header is anyone's
        ("127.0.0.1", ["198.51.100.7"], PROXY, "198.51.100.7"),
        ("127.0.0.1", ["6.6.6.6, 198.51.100.7"], PROXY, "198.51.100.7"),  # the client wrote 6.6.6.6 itself
        ("127.0.0.1", ["6.6.6.6", "198.51.100.7"], PROXY, "198.51.100.7"),  # two header lines
        ("127.0.0.1", ["198.51.100.7, 10.1.2.3"], ("127.0.0.1", "10.0.0.0/8"), "198.51.100.7"),  # two proxies
        ("127.0.0.1", ["10.1.2.3"], ("127.0.0.1", "10.0.0.0/8"), "10.1.2.3"),  # only proxies: the furthest
        ("203.0.113.9", ["198.51.100.7"], PROXY, "203.0.113.9"),  # not from the proxy: header ignored
        ("127.0.0.1", [], PROXY, "127.0.0.1"),
        ("127.0.0.1", ["198.51.100.7, rubbish"], PROXY, "127.0.0.1"),  # a proxy that appends nothing useful
        ("127.0.0.1", ["198.51.100.7:51234"], PROXY, "198.51.100.7"),
        ("127.0.0.1", ["[2001:db8:1:2::99]:443"], PROXY, "2001:db8:1:2::/64"),
        ("2001:db8:1:2:aaaa::1", [], (), "2001:db8:1:2::/64"),  # one IPv6 client holds the whole /64
        ("::ffff:198.51.100.7", [], (), "198.51.100.7"),
    ],
)
def test_the_client_address(peer: str, forwarded: list, trusted: tuple, expected: str) -> None:
    assert auth.client_address(peer, forwarded, trusted) == expected


def test_trusted_proxies_setting() -> None:
    env = {"STAFF_TRUSTED_PROXIES": " 127.0.0.1, 10.0.0.0/8 ,::1"}
    assert load_settings(env).trusted_proxies == ("127.0.0.1/32", "10.0.0.0/8", "::1/128")
    assert load_settings({}).trusted_proxies == ()
    with pytest.raises(ValueError, match="STAFF_TRUSTED_PROXIES: 'proxy.example' is not an IP address"):
        load_settings({"STAFF_TRUSTED_PROXIES": "proxy.example"})


@pytest.fixture
def proxied(tmp_path: Path, project: Path) -> Iterator[StaffServer]:
    """The console behind a TLS proxy on the same machine (STAFF_TRUSTED_PROXIES=127.0.0.1)."""
    with serving(replace(staff_settings(tmp_path), trusted_proxies=PROXY)) as running:
        yield running


def from_(address: str) -> dict:
    return {"X-Forwarded-For": address}


def test_behind_the_proxy_one_address_cannot_lock_out_anyone_else(proxied: StaffServer) -> None:
    attacker = from_("203.0.113.66")
    for _ in range(5):
        assert proxied.sign_in(requests.Session(), "alice", WRONG, **attacker).status_code == 401
    locked = proxied.sign_in(requests.Session(), "alice", PASSWORD, **attacker)
    assert locked.status_code == 429 and re.search(
        "Too many failed attempts. Try again in 1[0-5] minutes.", locked.text
    )
    # alice, at her own desk, is not locked out of her account
    assert proxied.sign_in(requests.Session(), "alice", PASSWORD, **from_("198.51.100.7")).status_code == 303
    # guessing many accounts from one address locks that address only
    for n in range(15):
        assert proxied.sign_in(requests.Session(), f"nobody{n}", WRONG, **attacker).status_code == 401
    assert proxied.sign_in(requests.Session(), "bob", PASSWORD, **attacker).status_code == 429
    assert proxied.sign_in(requests.Session(), "bob", PASSWORD, **from_("198.51.100.8")).status_code == 303
    # the audit log names the client, not the proxy
    entries = Store(proxied.staff.db_path).audit_log()
    assert {e["details"]["address"] for e in entries} == {"203.0.113.66", "198.51.100.7", "198.51.100.8"}


def test_a_spread_out_attack_slows_an_account_but_its_owner_can_still_sign_in(proxied: StaffServer) -> None:
    for n in range(4):  # 4 addresses x 5 failures: the account is slowed
        for _ in range(5):
            assert (
                proxied.sign_in(requests.Session(), "alice", WRONG, **from_(f"203.0.113.{n}")).status_code
                == 401
            )
    # a new address may still try once in the window: the right password gets in
    assert proxied.sign_in(requests.Session(), "alice", PASSWORD, **from_("198.51.100.7")).status_code == 303
    # one wrong try from another new address, and that address must wait
    assert proxied.sign_in(requests.Session(), "alice", WRONG, **from_("198.51.100.9")).status_code == 401
    assert proxied.sign_in(requests.Session(), "alice", PASSWORD, **from_("198.51.100.9")).status_code == 429
    # other accounts are not slowed
    assert proxied.sign_in(requests.Session(), "bob", WRONG, **from_("198.51.100.9")).status_code == 401
    assert proxied.sign_in(requests.Session(), "bob", PASSWORD, **from_("198.51.100.9")).status_code == 303


def test_without_a_trusted_proxy_a_made_up_header_does_not_get_round_the_throttle(
    server: StaffServer,
) -> None:
    for n in range(5):
        assert (
            server.sign_in(requests.Session(), "alice", WRONG, **from_(f"203.0.113.{n}")).status_code == 401
        )
    assert server.sign_in(requests.Session(), "alice", PASSWORD, **from_("203.0.113.99")).status_code == 429


def test_the_wait_ends_when_the_failures_are_old_enough(tmp_path: Path) -> None:
    settings = staff_settings(tmp_path)
    store = Store(settings.db_path)
    auth.add_user(store, "alice", PASSWORD)
    t0 = 1_000_000.0
    for n in range(5):
        assert auth.login(store, settings, "Alice", WRONG, "203.0.113.1", now=t0 + n).user is None
    waiting = auth.login(store, settings, "alice", PASSWORD, "203.0.113.1", now=t0 + 60)
    assert waiting.user is None and waiting.locked_for == pytest.approx(15 * 60 - 60)
    assert auth.login(store, settings, "alice", PASSWORD, "203.0.113.1", now=t0 + 15 * 60 + 1).user == "alice"
    # a success forgets that address's failures for the account
    assert store.failure_times("alice", "203.0.113.1", 0) == []


def test_checking_and_recording_an_attempt_is_one_step(tmp_path: Path) -> None:
    """Twenty wrong passwords at the same moment: only five are even checked."""
    settings = staff_settings(tmp_path)
    store = Store(settings.db_path)
    auth.add_user(store, "alice", PASSWORD)
    store.password_hash("alice")  # the database exists before the rush
    start = threading.Barrier(20)

    def attempt(_: int) -> auth.LoginResult:
        start.wait(10)
        return auth.login(store, settings, "alice", WRONG, "203.0.113.5")

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(attempt, range(20)))
    assert sum(1 for r in results if not r.locked_for) == 5
    assert sum(1 for r in results if r.locked_for) == 15
    assert len(store.failure_times("alice", "203.0.113.5", 0)) == 5
