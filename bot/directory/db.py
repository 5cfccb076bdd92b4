"""Engine creation and schema set-up; nothing connects at import time."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

from sqlalchemy import MetaData, create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from bot.directory.schema import Base


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, create the folder and enforce foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True)

        @event.listens_for(engine, "connect")
        def _foreign_keys_on(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    """Create missing tables (idempotent)."""
    Base.metadata.create_all(engine)


class OwnTables:
    """A store of tables in their own ``MetaData`` in the directory database (impact, referrals).

    ``bot.directory`` knows nothing of them, so reloading the directory leaves
    them alone. A subclass names its ``TABLES``; :meth:`ensure_schema` creates
    what is missing on first use, once per store (actions run in threads, so
    the first two writes may come at once).
    """

    TABLES: ClassVar[MetaData]

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ready = False
        self._lock = threading.Lock()

    def ensure_schema(self) -> None:
        """Create the tables when missing (idempotent)."""
        with self._lock:
            if self._ready:
                return
            try:
                self.TABLES.create_all(self.engine)
            except DBAPIError:  # another process (a second action server) created them at the same moment
                self.TABLES.create_all(self.engine)
            self.upgrade()
            self._ready = True

    def upgrade(self) -> None:
        """Bring tables made by an older version up to date (once, after creating); none by default."""


def add_missing_column(engine: Engine, table: str, column: str, definition: str) -> None:
    """``ALTER TABLE table ADD COLUMN column definition`` when an older database lacks it, keeping its rows.

    Two processes may open an old database at the same moment: the loser's ALTER fails, and that is
    fine once the column is there.
    """

    def lacks() -> bool:
        return column not in {c["name"] for c in inspect(engine).get_columns(table)}

    if not lacks():
        return
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
    except DBAPIError:
        if lacks():
            raise
