"""Impact fixtures: every ``engine`` test runs on SQLite and on a real PostgreSQL (skipped without one)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.impact.store import Answer, ImpactStore, metadata
from tests.support.engines import BACKENDS, fresh_engine

# A Thursday; its week starts on Monday 2025-11-17.
NOW = datetime(2025, 11, 20, 10, 30)


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with fresh_engine(request, tmp_path, metadata) as built:
        yield built


def seed(store: ImpactStore) -> None:
    """Known figures: 7 web get_device in NR2 (met), 3 telegram help_jobs in PE30 (unmet) the week before,
    6 web get_data in PE30 (unmet), 1 person request, 2 messages not understood."""
    for _ in range(7):
        store.record(Answer("web", "get_device", "NR2", 2, 0.8, hour=NOW))
    for _ in range(3):
        store.record(Answer("telegram", "help_jobs", "PE30", 0, 41.2, hour=NOW - timedelta(days=7)))
    for _ in range(6):
        store.record(Answer("web", "get_data", "PE30", 0, 40.9, hour=NOW - timedelta(hours=30)))
    store.record(Answer("telegram", "talk_to_human", "NR2", None, None, True, hour=NOW))
    store.record_misunderstood("web", NOW)
    store.record_misunderstood("telegram", NOW)
