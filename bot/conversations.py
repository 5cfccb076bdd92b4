"""The conversation store: forgetting a resident, and not keeping chats too long.

Rasa keeps each conversation as rows of the ``events`` table in its SQL
tracker store (SQLite under var/ by default). Rasa's HTTP API can add events
but not delete them, so deleting a conversation ("/forget", "end chat and
clear") and the retention purge act on that table directly.

Forgetting must stick even while a message of that conversation is still
being answered: Rasa loaded the conversation before the forget and would
write all of it back when the turn ends. Rasa answers each conversation's
messages one at a time under a lock from its lock store, so a forget goes
through Rasa (:func:`forget_through_rasa`, to the REST channel's ``/forget``
route) and deletes under that same lock, after the turn in flight has been
saved. With several Rasa replicas sharing one tracker database and a Redis
lock store, whichever replica takes the forget waits for the same lock.
When nothing listens at Rasa's address no message can be in flight, and the
events are deleted directly.
"""

from __future__ import annotations

import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from bot.settings import Settings

FORGET_PATH = "/webhooks/rest/forget"
# Rasa's conversation lock lives 60 s: a forget may wait that long behind a stuck turn.
FORGET_TIMEOUT = 75.0


class ForgetFailed(Exception):
    """Rasa is running but did not delete the conversation; nothing was deleted, try again later."""


def tracker_engine(location: "Path | str") -> Engine:
    """The tracker store's database: a SQLite file (embedded profile) or a URL (TRACKER_URL)."""
    if isinstance(location, str) and "://" in location:
        return create_engine(location, pool_pre_ping=True)
    return create_engine(f"sqlite:///{location}")


def rasa_client_token(settings: Settings) -> str:
    """RASA_TOKEN, else the token ``make run`` generated into var/ (never created here)."""
    if settings.rasa_token:
        return settings.rasa_token
    path = settings.var_dir / "rasa_token"
    return path.read_text().strip() if path.exists() else ""


def _has_events(engine: Engine) -> bool:
    return inspect(engine).has_table("events")


def forget(engine: Engine, sender_id: str) -> int:
    """Delete every event of one conversation; returns how many were deleted.

    Only safe while no message of this conversation is being answered: Rasa's
    REST channel calls it under the conversation lock. Everyone else calls
    :func:`forget_through_rasa`.
    """
    if not _has_events(engine):
        return 0
    with engine.begin() as connection:
        result = connection.execute(
            text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender_id}
        )
        return result.rowcount or 0


def forget_through_rasa(
    rasa_url: str, token: str, sender_id: str, engine: Engine, timeout: float = FORGET_TIMEOUT
) -> int:
    """Delete one conversation under Rasa's conversation lock; returns how many events were deleted.

    Raises :class:`ForgetFailed` when Rasa is running but could not do it.
    """
    try:
        response = requests.post(
            rasa_url.rstrip("/") + FORGET_PATH,
            json={"sender": sender_id},
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )
    except requests.ConnectionError:
        # Nothing listens (stopped, or restarting): no message can be in flight.
        return forget(engine, sender_id)
    except requests.RequestException as exc:
        raise ForgetFailed(f"Rasa did not answer ({type(exc).__name__})") from exc
    if response.status_code != 200:
        raise ForgetFailed(f"Rasa answered HTTP {response.status_code}")
    try:
        return int(response.json()["deleted"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ForgetFailed("Rasa answered with something unexpected") from exc


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
