"""The impact tables: one anonymous row per answer, and how many messages were not understood.

They live in the directory database (SQLite or PostgreSQL), so they survive
retraining and restarts, but in their own MetaData: ``bot.directory`` knows
nothing of them and reloading the directory leaves them alone. A row holds
the hour, the channel, the need, the outward code and two numbers about the
directory near the resident, and the conversation's language; never a sender
id, a full postcode, coordinates or message text (see docs/impact.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
)
from sqlalchemy.engine import Engine

from bot.directory.db import OwnTables, add_missing_column
from bot.impact import privacy

RADIUS_MILES = 3.0  # "help nearby": the 3 miles, the same for every need

metadata = MetaData()

answers = Table(
    "impact_answer",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("hour", DateTime, nullable=False, index=True),  # UTC, minutes and seconds dropped
    Column("channel", String(10), nullable=False),  # web | telegram | other
    Column("need", String(40), nullable=False),  # an intent of bot.needs, or talk_to_human
    Column("outcode", String(8), nullable=False),  # outward code ("NR2") or "unknown"
    Column("hubs_within_3_miles", Integer),  # hubs offering the need's services; null for talk_to_human
    Column("nearest_miles", Float),  # nearest such hub, any distance; null when none (or talk_to_human)
    Column("asked_for_person", Boolean, nullable=False, default=False),
    # A code of bot.wording.SUPPORTED_LANGUAGES; rows from before the column were answered in English.
    Column("language", String(5), nullable=False, server_default="en"),
)

misunderstood = Table(
    "impact_misunderstood",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("hour", DateTime, nullable=False, index=True),
    Column("channel", String(10), nullable=False),
)


def add_language_column(engine: Engine) -> None:
    """Every row of an ``impact_answer`` made before the column was answered in English: "en"."""
    add_missing_column(engine, answers.name, "language", "VARCHAR(5) NOT NULL DEFAULT 'en'")


def this_hour(now: Optional[datetime] = None) -> datetime:
    """The current hour in UTC, naive (the same on SQLite and PostgreSQL)."""
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc).replace(tzinfo=None)
    return now.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Answer:
    """One signposting answer (or request for a person), as it will be stored."""

    channel: str
    need: str
    outcode: str
    hubs_within_3_miles: Optional[int]
    nearest_miles: Optional[float]
    asked_for_person: bool = False
    hour: Optional[datetime] = None  # default: now
    language: str = "en"  # the conversation's language

    def row(self) -> dict:
        """The columns, each value forced through :mod:`bot.impact.privacy`."""
        return {
            "hour": this_hour(self.hour),
            "channel": privacy.channel_of({"channel": self.channel}),
            "need": privacy.need_name(self.need),
            "outcode": privacy.outward_code(self.outcode),
            "hubs_within_3_miles": None
            if self.hubs_within_3_miles is None
            else int(self.hubs_within_3_miles),
            "nearest_miles": None if self.nearest_miles is None else round(float(self.nearest_miles), 1),
            "asked_for_person": bool(self.asked_for_person),
            "language": privacy.language_code(self.language),
        }


class ImpactStore(OwnTables):
    """Writes and ages out impact rows; the engine is passed in and used on first call."""

    TABLES = metadata

    def upgrade(self) -> None:
        """Add ``language`` to an ``impact_answer`` made before it."""
        add_language_column(self.engine)

    def record(self, answer: Answer) -> None:
        self.ensure_schema()
        with self.engine.begin() as conn:
            conn.execute(insert(answers).values(**answer.row()))

    def record_misunderstood(self, channel: str, hour: Optional[datetime] = None) -> None:
        """Count one message the assistant did not understand (the message itself is not kept)."""
        self.ensure_schema()
        with self.engine.begin() as conn:
            conn.execute(
                insert(misunderstood).values(
                    hour=this_hour(hour), channel=privacy.channel_of({"channel": channel})
                )
            )

    def purge_older_than(self, days: int, now: Optional[datetime] = None) -> int:
        """Delete rows from hours more than ``days`` days ago; returns how many."""
        self.ensure_schema()
        cutoff = this_hour(now) - timedelta(days=days)
        deleted = 0
        with self.engine.begin() as conn:
            for table in (answers, misunderstood):
                deleted += conn.execute(delete(table).where(table.c.hour < cutoff)).rowcount or 0
        return deleted
