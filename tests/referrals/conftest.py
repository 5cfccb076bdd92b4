"""Referral fixtures: every ``engine`` test runs on SQLite and on a real PostgreSQL (skipped without one)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.referrals.store import metadata
from tests.support.engines import BACKENDS, fresh_engine

ISSUED = date(2025, 11, 20)  # a Thursday; its week starts on Monday 2025-11-17


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with fresh_engine(request, tmp_path, metadata) as built:
        yield built
