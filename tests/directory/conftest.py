"""Directory fixtures: every ``engine`` test runs on SQLite and on a real PostgreSQL.

PostgreSQL comes from :func:`tests.support.pg.postgres_server` (a throwaway cluster);
without server binaries the PostgreSQL parameter is skipped with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.directory.db import create_schema, make_engine
from bot.directory.schema import Base
from bot.geo.geocoder import Geocoder
from bot.geo.outcodes import OutcodeTable
from bot.settings import PROJECT_ROOT

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = PROJECT_ROOT / "data" / "directory"


@pytest.fixture(scope="session")
def outcodes() -> OutcodeTable:
    return OutcodeTable.from_csv(PROJECT_ROOT / "data" / "geo" / "uk_outcodes.csv")


@pytest.fixture
def offline_geocoder(outcodes: OutcodeTable) -> Geocoder:
    return Geocoder(outcodes, mode="offline")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'db' / 'directory.db'}")
    else:
        eng = make_engine(request.getfixturevalue("postgres_url"))
        Base.metadata.drop_all(eng)
    create_schema(eng)
    try:
        yield eng
    finally:
        eng.dispose()
