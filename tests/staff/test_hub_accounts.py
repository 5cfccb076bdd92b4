"""Hub accounts (issue 17): made with ``staff add-user NAME --hub HUB_ID`` against the directory, they see
only their referrals page; older staff databases gain the column on open and keep their accounts."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import requests

from bot.settings import PROJECT_ROOT
from bot.staff.store import Store
from bot.staff.web import PREFIX, ROUTES
from tests.staff.conftest import PASSWORD, StaffServer, csrf_of
from tests.support.hub_console import HUB, sample_directory, start_console

OPEN_TO_HUBS = {
    ("GET", f"{PREFIX}/referrals"),
    ("POST", f"{PREFIX}/referrals"),
    ("POST", f"{PREFIX}/referrals/mark"),
    ("POST", f"{PREFIX}/logout"),
}
PUBLIC = {("GET", f"{PREFIX}/login"), ("POST", f"{PREFIX}/login")}


@pytest.fixture
def console(tmp_path: Path) -> Iterator[StaffServer]:
    server = start_console(tmp_path, sample_directory(tmp_path), {"alice": None, "mx": HUB})
    yield server
    server.stop()


def test_a_hub_account_reaches_only_its_referrals_page(console: StaffServer) -> None:
    """Every other route of the console (from its route table, so new pages are covered too) sends a hub's
    account to its referrals page or answers 403, even with the right CSRF token."""
    hub = console.session("mx")
    landing = hub.get(f"{console.url}{PREFIX}/", timeout=10)  # where signing in leads
    assert landing.url == f"{console.url}{PREFIX}/referrals" and "Mile Cross Library" in landing.text
    nav = re.search(r'<nav aria-label="Console">(.*?)</nav>', landing.text).group(1)
    assert re.findall(r'href="([^"]+)"', nav) == [f"{PREFIX}/referrals"]
    token = csrf_of(landing.text)
    routes = {(r.method, re.sub(r"\{[^}]+\}", "1", r.path)) for r in ROUTES} - PUBLIC - OPEN_TO_HUBS
    assert len(routes) >= 15
    for method, path in sorted(routes):
        answer = hub.request(
            method, f"{console.url}{path}", data={"csrf": token}, allow_redirects=False, timeout=10
        )
        if method == "GET" and "/api/" not in path:
            assert answer.status_code == 303, (method, path, answer.status_code)
            assert answer.headers["Location"] == f"{PREFIX}/referrals", path
        else:
            assert answer.status_code == 403, (method, path, answer.status_code)
        assert "bus pass" not in answer.text and "Impact" not in answer.text
    assert hub.get(f"{console.url}{PREFIX}/api/inbox", timeout=10).status_code == 403
    # Staff still see everything, and the Referrals page is in their navigation.
    staff = console.session("alice")
    inbox = staff.get(f"{console.url}{PREFIX}/", timeout=10)
    assert inbox.status_code == 200 and "Inbox" in inbox.text
    assert f'<a href="{PREFIX}/referrals">Referrals</a>' in inbox.text
    assert staff.get(f"{console.url}{PREFIX}/impact", timeout=10).status_code == 200
    # Sign out works for a hub's account.
    out = hub.post(f"{console.url}{PREFIX}/logout", data={"csrf": token}, allow_redirects=False, timeout=10)
    assert out.status_code == 303 and out.headers["Location"] == f"{PREFIX}/login"


OLD_SCHEMA = """
CREATE TABLE users (name VARCHAR NOT NULL PRIMARY KEY, password_hash VARCHAR NOT NULL,
  created FLOAT NOT NULL);
CREATE TABLE sessions (id_hash VARCHAR NOT NULL PRIMARY KEY, user VARCHAR NOT NULL, csrf VARCHAR NOT NULL,
  created FLOAT NOT NULL, last_seen FLOAT NOT NULL);
"""


def test_an_older_staff_database_gains_the_hub_column_and_keeps_its_accounts(tmp_path: Path) -> None:
    from bot.staff.auth import hash_password

    path = tmp_path / "staff" / "staff.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        db.execute("INSERT INTO users VALUES ('alice', ?, 1.0)", (hash_password(PASSWORD),))
    # start_console adds a hub account to the old file.
    server = start_console(tmp_path, sample_directory(tmp_path), {"mx": HUB})
    try:
        assert server.session("alice").get(f"{server.url}{PREFIX}/impact", timeout=10).status_code == 200
        hub = server.session("mx")
        assert hub.get(f"{server.url}{PREFIX}/impact", allow_redirects=False, timeout=10).status_code == 303
    finally:
        server.stop()
    assert Store(path).user_hubs() == {"alice": None, "mx": HUB}


def staff_cli(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "SIGNPOST_VAR_DIR": str(tmp_path / "var"),
        "STAFF_DB": str(tmp_path / "staff" / "staff.db"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "staff", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_add_user_with_a_hub_from_the_command_line(tmp_path: Path) -> None:
    password = "a long enough password\n"
    empty = staff_cli(tmp_path, "add-user", "mx", "--hub", HUB, stdin=password)  # no directory loaded yet
    assert empty.returncode == 1 and f"no place with the id '{HUB}'" in empty.stderr
    assert "Traceback" not in empty.stderr
    down = "postgresql://signpost:secret@127.0.0.1:9/directory"  # nothing listens there
    unreachable = staff_cli(tmp_path, "add-user", "mx", "--hub", HUB, stdin=password, DIRECTORY_URL=down)
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert unreachable.stderr.startswith("Could not reach the directory database (DIRECTORY_URL)")
    assert "secret" not in unreachable.stderr
    url = sample_directory(tmp_path)
    typo = staff_cli(tmp_path, "add-user", "mx", "--hub", "mile-cross", stdin=password, DIRECTORY_URL=url)
    assert typo.returncode == 1 and typo.stdout == ""
    assert "There is no place with the id 'mile-cross' in the directory." in typo.stderr
    assert staff_cli(tmp_path, "users").stdout.strip() == ""  # nothing was made
    made = staff_cli(tmp_path, "add-user", "mx", "--hub", HUB, stdin=password, DIRECTORY_URL=url)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == f"Added mx, an account for {HUB}: it can only record referrals there."
    assert staff_cli(tmp_path, "add-user", "carol", stdin=password).returncode == 0
    assert staff_cli(tmp_path, "users").stdout.splitlines() == ["carol", f"mx\t{HUB}"]
    audit = json.loads(staff_cli(tmp_path, "audit").stdout)
    assert {"name": "mx", "hub_id": HUB} in [e["details"] for e in audit if e["action"] == "user_added"]
    server = start_console(tmp_path, url, {})
    try:
        s = requests.Session()
        assert server.sign_in(s, "mx", password.strip()).status_code == 303
        assert s.get(f"{server.url}{PREFIX}/intents", timeout=10).url == f"{server.url}{PREFIX}/referrals"
    finally:
        server.stop()
