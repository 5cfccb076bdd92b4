"""Referrals are kept as long as the impact rows (IMPACT_RETENTION_DAYS), by the scheduled maintenance."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from bot import maintenance
from bot.directory.db import make_engine
from bot.referrals.store import ReferralStore
from bot.settings import load


def test_the_maintenance_round_deletes_referrals_older_than_the_impact_retention(tmp_path: Path) -> None:
    settings = load(
        {
            "SIGNPOST_VAR_DIR": str(tmp_path),
            "DIRECTORY_URL": f"sqlite:///{tmp_path / 'directory.db'}",
            "IMPACT_RETENTION_DAYS": "100",
        }
    )
    referrals = ReferralStore(make_engine(settings.directory_url))
    old = referrals.issue("get_device", "NR2", ["hub-a"], "web", 30, today=date(2025, 1, 1))
    referrals.mark(old, "hub-a", "device_given", today=date(2025, 1, 2))
    kept = referrals.issue("get_device", "NR2", ["hub-a"], "web", 30, today=date(2025, 6, 1))
    now = datetime(2025, 6, 2, 12, tzinfo=timezone.utc).timestamp()
    jobs = [job for job in maintenance.JOBS if job.name == "referrals"]
    assert maintenance.run_once(settings, jobs, now=now) == [("referrals", 1)]
    assert referrals.find(old) is None and referrals.find(kept) is not None
