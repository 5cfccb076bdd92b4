"""The directory database for table tests, on SQLite or on the session's throwaway PostgreSQL."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from bot.directory.db import make_engine

BACKENDS = ["sqlite", "postgresql"]  # parametrise a fixture with these and pass request.param on


@contextmanager
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path, *tables: MetaData) -> Iterator[Engine]:
    """An engine on ``request.param``'s backend, ``tables`` dropped before and after (PostgreSQL is shared).

    PostgreSQL comes from the ``postgres_url`` fixture, so a machine without it skips those cases.
    """
    url = (
        f"sqlite:///{tmp_path / 'directory.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    built = make_engine(url)
    for metadata in tables:
        metadata.drop_all(built)
    try:
        yield built
    finally:
        for metadata in tables:
            metadata.drop_all(built)
        built.dispose()
