"""The referral funnel on SQLite and PostgreSQL: by week, hub and need, suppressed, and its CSV command."""

from __future__ import annotations

import csv
import io
import os
from datetime import date, timedelta

from sqlalchemy.engine import Engine

from bot.impact.report import NEED_LABELS
from bot.referrals import report
from bot.referrals.report import FunnelRow
from bot.referrals.store import ReferralStore
from bot.settings import PROJECT_ROOT
from tests.referrals.conftest import ISSUED
from tests.support.cli import run_module

MONDAY = date(2025, 11, 17)
WEEK_BEFORE = MONDAY - timedelta(days=7)


def seed(referrals: ReferralStore) -> None:
    """Six get_device codes for hub-a and hub-b in one week (Monday and Thursday): five arrived at hub-a,
    four of them helped; one arrived at hub-b. Two get_data codes for hub-a the week before, none arrived."""
    issued = [
        referrals.issue("get_device", "NR2", ["hub-a", "hub-b"], "web", 30, today=day)
        for day in [MONDAY] * 2 + [ISSUED] * 4
    ]
    outcomes = ["device_given", "device_lent", "other", "free_sim_given", "not_helped"]
    for code, outcome in zip(issued[:5], outcomes, strict=True):
        referrals.mark(code, "hub-a", outcome, today=ISSUED)
    referrals.mark(issued[5], "hub-b", "device_lent", today=ISSUED)
    for _ in range(2):
        referrals.issue("get_data", "NR3", ["hub-a"], "telegram", 30, today=WEEK_BEFORE + timedelta(days=6))


def test_the_funnel_counts_referred_arrived_and_helped(engine: Engine) -> None:
    seed(ReferralStore(engine))
    assert report.funnel(engine) == [
        FunnelRow(WEEK_BEFORE, "hub-a", "get_data", 2, 0, 0),
        FunnelRow(MONDAY, "hub-a", "get_device", 6, 5, 4),
        FunnelRow(MONDAY, "hub-b", "get_device", 6, 1, 1),
    ]
    assert [r.week for r in report.funnel(engine, start=MONDAY)] == [MONDAY, MONDAY]
    assert [r.week for r in report.funnel(engine, end=WEEK_BEFORE + timedelta(days=6))] == [WEEK_BEFORE]
    assert report.funnel(engine, start=MONDAY + timedelta(days=1), end=ISSUED)[0].referred == 4


def test_the_csv_command_suppresses_small_counts(engine: Engine) -> None:
    seed(ReferralStore(engine))
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "DIRECTORY_URL": url, "PYTHONPATH": str(PROJECT_ROOT)}
    done = run_module("bot", "impact", "referrals", "--format", "csv", env=env)
    assert done.returncode == 0, done.stderr
    assert list(csv.reader(io.StringIO(done.stdout))) == [
        ["week", "hub_id", "need", "referred", "arrived", "helped"],
        ["2025-11-10", "hub-a", "get_data", "<5", "0", "0"],
        ["2025-11-17", "hub-a", "get_device", "6", "5", "<5"],
        ["2025-11-17", "hub-b", "get_device", "6", "<5", "<5"],
    ]
    tighter = run_module(
        "bot",
        "impact",
        "referrals",
        "--format",
        "csv",
        "--from",
        "2025-11-17",
        env={**env, "IMPACT_MIN_COUNT": "7"},
    )
    assert tighter.stdout.splitlines()[1:] == [
        "2025-11-17,hub-a,get_device,<7,<7,<7",
        "2025-11-17,hub-b,get_device,<7,<7,<7",
    ]
    text = run_module("bot", "impact", "referrals", env=env)
    assert text.returncode == 0, text.stderr
    assert f"hub-b  {NEED_LABELS['get_device']}" in text.stdout and "<5" in text.stdout
    backwards = run_module(
        "bot", "impact", "referrals", "--from", "2025-11-20", "--to", "2025-11-01", env=env
    )
    assert backwards.returncode == 2 and "--from is after --to" in backwards.stderr


def test_an_empty_funnel_is_a_header_only() -> None:
    assert report.to_csv([]) == "week,hub_id,need,referred,arrived,helped\n"
    assert "(none)" in report.to_text([])
