"""``python -m bot referrals mark`` as an operator runs it: exit codes, messages, and the audit log."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Dict

import pytest

from bot.directory.db import make_engine
from bot.referrals.marking import AUDIT_ACTION
from bot.referrals.store import ReferralStore, utc_today
from bot.settings import PROJECT_ROOT
from bot.staff.store import Store
from tests.support.cli import run_module


@pytest.fixture
def env(tmp_path: Path) -> Dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "SIGNPOST_VAR_DIR": str(tmp_path),
        "DIRECTORY_URL": f"sqlite:///{tmp_path / 'directory.db'}",
        "STAFF_DB": str(tmp_path / "staff.db"),
        "STAFF_DB_URL": "",
    }


def mark(env: Dict[str, str], *args: str) -> "subprocess.CompletedProcess[str]":
    return run_module("bot", "referrals", "mark", *args, env=env)


def audit_entries(env: Dict[str, str]) -> list:
    staff = Store(Path(env["STAFF_DB"]))
    try:
        return [e for e in staff.audit_log() if e["action"] == AUDIT_ACTION]
    finally:
        staff.dispose()


def test_marking_and_marking_again_are_audited(env: Dict[str, str]) -> None:
    referrals = ReferralStore(make_engine(env["DIRECTORY_URL"]))
    code = referrals.issue("get_device", "NR2", ["hub-a", "hub-b"], "web", 30)
    first = mark(
        env, code.lower().replace("-", " "), "--hub", "hub-a", "--outcome", "device_lent", "--by", "jo"
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"Marked {code} as arrived: Device lent."
    again = mark(env, code, "--hub", "hub-a", "--outcome", "device_given", "--by", "sam")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"Marked {code} as arrived: Device given. This replaces Device lent."
    found = referrals.find(code)
    assert found is not None and found.arrivals == {"hub-a": "device_given"}
    entries = audit_entries(env)  # newest first
    assert [(e["user"], e["details"]) for e in entries] == [
        ("sam", {"code": code, "hub": "hub-a", "outcome": "device_given", "previous": "device_lent"}),
        ("jo", {"code": code, "hub": "hub-a", "outcome": "device_lent", "previous": None}),
    ]
    unnamed = mark(env, code, "--hub", "hub-b", "--outcome", "not_helped")
    assert unnamed.returncode == 0 and audit_entries(env)[0]["user"].startswith("cli:")


def test_marks_that_cannot_be_recorded_get_a_clear_message_and_exit_1(env: Dict[str, str]) -> None:
    referrals = ReferralStore(make_engine(env["DIRECTORY_URL"]))
    code = referrals.issue("get_device", "NR2", ["hub-a"], "web", 30)
    old = referrals.issue("get_device", "NR2", ["hub-a"], "web", 30, today=utc_today() - timedelta(days=40))
    refused = {
        "unknown code": (
            ("ACD-EFH", "--hub", "hub-a", "--outcome", "other"),
            "There is no referral code ACD-EFH.",
        ),
        "expired": ((old, "--hub", "hub-a", "--outcome", "other"), f"The code {old} ran out on "),
        "not offered": (
            (code, "--hub", "hub-z", "--outcome", "other"),
            "was not given for this place (hub-z)",
        ),
        "outcome": (
            (code, "--hub", "hub-a", "--outcome", "cured"),
            "cured is not an outcome. Use one of these:",
        ),
    }
    for what, (args, message) in refused.items():
        done = mark(env, *args)
        assert done.returncode == 1, what
        assert message in done.stderr and "Traceback" not in done.stderr, (what, done.stderr)
        assert done.stdout == "", what
    found = referrals.find(code)
    assert found is not None and found.arrivals == {}
    assert audit_entries(env) == []  # nothing was marked, so nothing is audited
    assert mark(env, code, "--hub", "hub-a").returncode == 2  # argparse: --outcome is required
