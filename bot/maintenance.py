"""Retention while the service runs: ``python -m bot maintenance``.

Deleting old conversations only when the service starts would keep them for
as long as it stays up. ``python -m bot run`` starts this as one supervised
process (one per deployment, not one per Rasa replica): it purges at start
and then every ``MAINTENANCE_INTERVAL_MINUTES``. One failing job is logged
and the others still run; the next round tries again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, List, Optional, Tuple

from bot import conversations
from bot.directory.db import make_engine
from bot.impact.store import ImpactStore
from bot.referrals.store import ReferralStore
from bot.settings import Settings, tracker_location
from bot.staff import store as staff_store

logger = logging.getLogger("bot.maintenance")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Settings, float], int]  # returns how many things it deleted


def purge_conversations(settings: Settings, now: float) -> int:
    engine = conversations.tracker_engine(tracker_location(settings.tracker_url, settings.tracker_db))
    try:
        return conversations.purge_older_than(engine, settings.retention_days, now)
    finally:
        engine.dispose()


def purge_impact(settings: Settings, now: float) -> int:
    engine = make_engine(settings.directory_url)
    try:
        return ImpactStore(engine).purge_older_than(settings.impact_retention_days)
    finally:
        engine.dispose()


def purge_referrals(settings: Settings, now: float) -> int:
    """Referral codes (with their places and arrivals) kept as long as the impact rows, so the funnel
    covers the same years as the rest of the Impact page."""
    engine = make_engine(settings.directory_url)
    try:
        return ReferralStore(engine).purge_older_than(
            settings.impact_retention_days, datetime.fromtimestamp(now, timezone.utc)
        )
    finally:
        engine.dispose()


def purge_logs(settings: Settings, now: float) -> int:
    """Log files (and rotated copies) not written to for the conversation retention period.

    A rotated copy is deleted; a live log is emptied in place instead, because a
    running process still holds it open and would go on writing to a deleted file.
    """
    cutoff = now - settings.retention_days * 86400
    deleted = 0
    for path in (settings.var_dir / "logs").glob("*.log*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            if path.suffix == ".log":
                path.write_bytes(b"")
            else:
                path.unlink()
            deleted += 1
    return deleted


def purge_staff_data(settings: Settings, now: float) -> int:
    """Old sign-in failures and sessions; residents' words in the staff audit log (bot.staff.store)."""
    return sum(staff_store.purge(now).values())


JOBS: List[Job] = [
    Job("conversations", purge_conversations),
    Job("impact rows", purge_impact),
    Job("referrals", purge_referrals),
    Job("log files", purge_logs),
    Job("staff data", purge_staff_data),
]


def run_once(
    settings: Settings, jobs: List[Job] = JOBS, now: Optional[float] = None
) -> List[Tuple[str, int]]:
    """Run every job; a failing one is logged (type only: messages may hold data) and skipped."""
    now = time.time() if now is None else now
    done = []
    for job in jobs:
        try:
            done.append((job.name, job.run(settings, now)))
        except Exception as exc:  # noqa: BLE001 - one broken job must not stop the others
            logger.error("retention job %s failed: %s", job.name, type(exc).__name__)
    return done
