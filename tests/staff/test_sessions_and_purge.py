"""Sessions end after an absolute lifetime and on a password change; retention purges the staff database
(issue 13, item 11)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from bot.staff import auth
from bot.staff.settings import load as load_settings
from bot.staff.store import Store, digest, purge
from bot.staff.web import PREFIX
from tests.staff.conftest import PASSWORD, StaffServer, staff_settings
from tests.staff.test_inbox_and_teach import run_cli

DAY = 86400.0


def age_sessions(db: Path, user: str, hours: float) -> None:
    """Sessions of ``user`` were created ``hours`` ago (and used just now)."""
    with sqlite3.connect(db) as c:
        c.execute(
            "UPDATE sessions SET created = ?, last_seen = ? WHERE user = ?",
            (time.time() - hours * 3600, time.time(), user),
        )


def test_a_busy_session_still_ends_after_its_lifetime(server: StaffServer) -> None:
    assert server.staff.session_hours == 12 and server.staff.session_idle_hours == 8
    alice, bob = server.session("alice"), server.session("bob")
    age_sessions(server.staff.db_path, "alice", 12.1)
    age_sessions(server.staff.db_path, "bob", 11.9)
    assert alice.get(f"{server.url}{PREFIX}/api/inbox").status_code == 401
    page = alice.get(f"{server.url}{PREFIX}/", allow_redirects=False)
    assert page.status_code == 303 and page.headers["Location"] == f"{PREFIX}/login"
    assert bob.get(f"{server.url}{PREFIX}/api/inbox").status_code == 200
    assert server.session("alice").get(f"{server.url}{PREFIX}/api/inbox").status_code == 200  # sign in again


def test_idle_and_absolute_limits_in_the_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "staff.db")
    cookie = store.create_session("alice")
    now = time.time()
    assert store.session(cookie, max_idle=3600, max_age=7200, now=now + 3000)["user"] == "alice"
    assert store.session(cookie, max_idle=3600, max_age=7200, now=now + 6000)["user"] == "alice"  # still busy
    assert store.session(cookie, max_idle=3600, max_age=7200, now=now + 7300) is None  # too old
    assert store.session(cookie, max_idle=3600, max_age=7200, now=now) is None  # and gone for good
    idle = store.create_session("alice")
    assert store.session(idle, max_idle=3600, max_age=7200, now=now + 3700) is None


def test_session_hours_setting() -> None:
    assert load_settings({}).session_hours == 12
    assert load_settings({"STAFF_SESSION_HOURS": "4.5"}).session_hours == 4.5
    with pytest.raises(ValueError, match="STAFF_SESSION_HOURS must be a number above 0"):
        load_settings({"STAFF_SESSION_HOURS": "0"})


def test_a_new_password_signs_the_person_out_everywhere(server: StaffServer, tmp_path: Path) -> None:
    laptop, phone, bob = server.session("alice"), server.session("alice"), server.session("bob")
    done = run_cli(tmp_path, "set-password", "alice", stdin="a brand new password\n")
    assert done.returncode == 0, done.stderr
    assert "signed them out everywhere" in done.stdout
    for old in (laptop, phone):
        assert old.get(f"{server.url}{PREFIX}/api/inbox").status_code == 401
    assert bob.get(f"{server.url}{PREFIX}/api/inbox").status_code == 200
    assert (
        server.session("alice", "a brand new password").get(f"{server.url}{PREFIX}/api/inbox").status_code
        == 200
    )


def test_a_rehash_at_sign_in_keeps_other_sessions(server: StaffServer) -> None:
    first = server.session("alice")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with sqlite3.connect(server.staff.db_path) as c:  # a hash from older argon2 parameters
        c.execute("UPDATE users SET password_hash = ? WHERE name = 'alice'", (weak,))
    server.session("alice")
    assert Store(server.staff.db_path).password_hash("alice") != weak  # upgraded at sign-in
    assert first.get(f"{server.url}{PREFIX}/api/inbox").status_code == 200


def test_purge_drops_old_failures_sessions_and_residents_words(tmp_path: Path) -> None:
    settings = staff_settings(tmp_path)
    store = Store(settings.db_path)
    now = time.time()
    auth.add_user(store, "alice", PASSWORD)
    for at in (now - 2 * DAY, now - 3600):
        store.take_attempt("alice", "203.0.113.1", auth.limits(settings), at)
    old_session, new_session = store.create_session("alice"), store.create_session("alice")
    with sqlite3.connect(settings.db_path) as c:
        c.execute(
            "UPDATE sessions SET created = ?, last_seen = ? WHERE id_hash = ?",
            (now - 2 * DAY, now - 2 * DAY, digest(old_session)),
        )
    words = "my neighbour jo bloggs at flat 3 cant use her tablet"
    store.audit(
        "alice", "teach_intent", event_id=7, intent="device_basics", example=words, file="data/nlu/x.yml"
    )
    store.audit(
        "alice",
        "teach_new_intent",
        event_id=8,
        intent="bus_pass",
        answer="Apply online.",
        examples=[words + " again", "bus pass"],
        description="Bus passes",
    )
    store.audit("alice", "signed_in", address="198.51.100.7")
    store.audit("alice", "teach_out_of_scope", event_id=9, example="what is the weather in NR2")
    with sqlite3.connect(settings.db_path) as c:  # the first three are 31 days old
        c.execute("UPDATE audit SET at = ? WHERE id <= 3", (now - 31 * DAY,))

    counts = purge(now, settings)

    assert counts == {"login_failures": 1, "sessions": 1, "audit_texts": 2}
    assert store.failure_times("alice", "203.0.113.1", 0) == [pytest.approx(now - 3600)]
    assert store.session(old_session, DAY, DAY) is None and store.session(new_session, DAY, DAY) is not None
    log = {e["action"]: e["details"] for e in store.audit_log()}
    assert log["teach_intent"] == {
        "event_id": 7,
        "intent": "device_basics",
        "file": "data/nlu/x.yml",
        "text_removed": True,
    }
    assert log["teach_new_intent"] == {
        "event_id": 8,
        "intent": "bus_pass",
        "answer": "Apply online.",
        "description": "Bus passes",
        "text_removed": True,
    }
    assert log["signed_in"] == {"address": "198.51.100.7"}
    assert log["teach_out_of_scope"]["example"] == "what is the weather in NR2"  # not old yet
    store.dispose()
    stored = b"".join(p.read_bytes() for p in settings.db_path.parent.glob("staff.db*"))
    assert words.encode() not in stored  # not left behind in free pages or the write-ahead log
    assert purge(now, settings) == {"login_failures": 0, "sessions": 0, "audit_texts": 0}


def test_purge_reads_the_retention_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAFF_DB", str(tmp_path / "staff.db"))
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "3")
    store = Store(tmp_path / "staff.db")
    store.audit("cli:x", "teach_intent", intent="greet", example="hiya")
    with sqlite3.connect(tmp_path / "staff.db") as c:
        c.execute("UPDATE audit SET at = ?", (time.time() - 4 * DAY,))
    assert purge()["audit_texts"] == 1
    assert store.audit_log()[0]["details"] == {"intent": "greet", "text_removed": True}


def test_purge_from_the_command_line(tmp_path: Path) -> None:
    store = Store(tmp_path / "staff" / "staff.db")
    store.audit("cli:x", "teach_intent", intent="greet", example="hiya")
    with sqlite3.connect(tmp_path / "staff" / "staff.db") as c:
        c.execute("UPDATE audit SET at = ?", (time.time() - 31 * DAY,))
    done = run_cli(tmp_path, "purge")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"login_failures": 0, "sessions": 0, "audit_texts": 1}
