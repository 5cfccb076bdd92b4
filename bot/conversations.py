"""The conversation store: forgetting a resident, and not keeping chats too long.

Rasa keeps each conversation as rows of the ``events`` table in its SQL
tracker store (SQLite under var/ by default). Rasa's HTTP API can add events
but not delete them, so deleting a conversation ("/forget", "end chat and
clear") and the retention purge act on that table directly.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from bot.settings import load


def tracker_engine(tracker_db: Path) -> Engine:
    return create_engine(f"sqlite:///{tracker_db}")


def _has_events(engine: Engine) -> bool:
    return inspect(engine).has_table("events")


def forget(engine: Engine, sender_id: str) -> int:
    """Delete every event of one conversation; returns how many were deleted."""
    if not _has_events(engine):
        return 0
    with engine.begin() as connection:
        result = connection.execute(text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id})
        return result.rowcount or 0


def purge_older_than(engine: Engine, days: int, now: float | None = None) -> int:
    """Delete conversations whose latest event is older than ``days`` days."""
    if not _has_events(engine):
        return 0
    cutoff = (now if now is not None else time.time()) - days * 86400
    with engine.begin() as connection:
        result = connection.execute(
            text(
                "DELETE FROM events WHERE sender_id IN ("
                " SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)"
            ),
            {"cutoff": cutoff},
        )
        return result.rowcount or 0


def _purge(args: argparse.Namespace) -> int:
    settings = load()
    days = args.days if args.days is not None else settings.retention_days
    deleted = purge_older_than(tracker_engine(settings.tracker_db), days)
    print(f"Deleted {deleted} events from conversations idle for more than {days} days.")
    return 0


def _forget(args: argparse.Namespace) -> int:
    settings = load()
    deleted = forget(tracker_engine(settings.tracker_db), args.sender_id)
    print(f"Deleted {deleted} events of conversation {args.sender_id}.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("conversations", help="delete conversations (privacy)")
    commands = parser.add_subparsers(dest="conversations_command", required=True)
    purge = commands.add_parser("purge", help="delete conversations idle for longer than the retention period")
    purge.add_argument("--days", type=int, help="default CONVERSATION_RETENTION_DAYS")
    purge.set_defaults(func=_purge)
    forget_one = commands.add_parser("forget", help="delete one conversation")
    forget_one.add_argument("sender_id")
    forget_one.set_defaults(func=_forget)
