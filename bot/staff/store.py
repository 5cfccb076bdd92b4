"""The staff database: accounts, sessions, login failures, audit log, inbox decisions, models.

One small SQLite file under var/staff/ (``STAFF_DB``), opened on first use so
importing the console never touches the disk. Session ids are stored only as
SHA-256 digests: a copy of the file does not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

users = Table(
    "users", metadata,
    Column("name", String, primary_key=True),
    Column("password_hash", String, nullable=False),
    Column("created", Float, nullable=False),
)
sessions = Table(
    "sessions", metadata,
    Column("id_hash", String, primary_key=True),
    Column("user", String, nullable=False),
    Column("csrf", String, nullable=False),
    Column("created", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
)
login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String, nullable=False, index=True),
    Column("at", Float, nullable=False),
)
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False),
    Column("user", String, nullable=False),
    Column("action", String, nullable=False),
    Column("details", Text, nullable=False),  # JSON
)
decisions = Table(
    "decisions", metadata,
    Column("event_id", Integer, primary_key=True),  # the tracker's events.id
    Column("action", String, nullable=False),  # intent | new_intent | out_of_scope | dismiss
    Column("intent", String),
    Column("user", String, nullable=False),
    Column("at", Float, nullable=False),
)
models = Table(
    "models", metadata,
    Column("id", Integer, primary_key=True),
    Column("path", String, nullable=False, unique=True),
    Column("created", Float, nullable=False),
    Column("created_by", String, nullable=False),
    Column("macro_f1", Float),
    Column("scores", Text),  # JSON: per-intent F1, confusion matrix
    Column("promoted_at", Float),
    Column("promoted_by", String),
)
promotion_requests = Table(
    "promotion_requests", metadata,
    Column("model_id", Integer, primary_key=True),
    Column("requested_by", String, nullable=False),
    Column("at", Float, nullable=False),
)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Store:
    """Thin functions over the tables; every method opens its own short transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._engine: Optional[Engine] = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(f"sqlite:///{self.path}", connect_args={"timeout": 30})

            @event.listens_for(engine, "connect")
            def _wal(dbapi_connection: Any, record: Any) -> None:  # web + CLI at once
                dbapi_connection.execute("PRAGMA journal_mode=WAL")

            metadata.create_all(engine)
            self.path.chmod(0o600)
            self._engine = engine
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    # accounts
    def add_user(self, name: str, password_hash: str) -> None:
        with self.engine.begin() as c:
            c.execute(insert(users).values(name=name, password_hash=password_hash, created=time.time()))

    def set_password(self, name: str, password_hash: str) -> bool:
        with self.engine.begin() as c:
            return bool(c.execute(update(users).where(users.c.name == name).values(password_hash=password_hash)).rowcount)

    def password_hash(self, name: str) -> Optional[str]:
        with self.engine.begin() as c:
            return c.execute(select(users.c.password_hash).where(users.c.name == name)).scalar()

    def user_names(self) -> List[str]:
        with self.engine.begin() as c:
            return list(c.execute(select(users.c.name).order_by(users.c.name)).scalars())

    def remove_user(self, name: str) -> bool:
        with self.engine.begin() as c:
            c.execute(delete(sessions).where(sessions.c.user == name))
            return bool(c.execute(delete(users).where(users.c.name == name)).rowcount)

    # sessions
    def create_session(self, user: str) -> str:
        """Returns the cookie value; only its digest is kept."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with self.engine.begin() as c:
            c.execute(insert(sessions).values(
                id_hash=digest(session_id), user=user, csrf=secrets.token_urlsafe(32), created=now, last_seen=now,
            ))
        return session_id

    def session(self, session_id: str, max_idle: float) -> Optional[Dict[str, Any]]:
        now = time.time()
        with self.engine.begin() as c:
            row = c.execute(select(sessions).where(sessions.c.id_hash == digest(session_id))).mappings().first()
            if row is None:
                return None
            if now - row["last_seen"] > max_idle:
                c.execute(delete(sessions).where(sessions.c.id_hash == row["id_hash"]))
                return None
            c.execute(update(sessions).where(sessions.c.id_hash == row["id_hash"]).values(last_seen=now))
            return dict(row)

    def delete_session(self, session_id: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(sessions).where(sessions.c.id_hash == digest(session_id)))

    # login throttle
    def add_failure(self, key: str) -> None:
        with self.engine.begin() as c:
            c.execute(insert(login_failures).values(key=key, at=time.time()))

    def failures_since(self, key: str, since: float) -> int:
        with self.engine.begin() as c:
            return c.execute(
                select(func.count()).where(login_failures.c.key == key, login_failures.c.at >= since)
            ).scalar() or 0

    def clear_failures(self, key: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(login_failures).where(login_failures.c.key == key))

    # audit log
    def audit(self, user: str, action: str, **details: Any) -> None:
        with self.engine.begin() as c:
            c.execute(insert(audit).values(at=time.time(), user=user, action=action, details=json.dumps(details)))

    def audit_log(self, limit: int = 200) -> List[Dict[str, Any]]:
        with self.engine.begin() as c:
            rows = c.execute(select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings().all()
        return [{**r, "details": json.loads(r["details"])} for r in rows]

    # inbox decisions
    def decide(self, event_id: int, action: str, intent: Optional[str], user: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(decisions).where(decisions.c.event_id == event_id))
            c.execute(insert(decisions).values(event_id=event_id, action=action, intent=intent, user=user, at=time.time()))

    def decided_ids(self) -> set:
        with self.engine.begin() as c:
            return set(c.execute(select(decisions.c.event_id)).scalars())

    # model registry
    def register_model(self, path: str, created_by: str, created: Optional[float] = None) -> int:
        with self.engine.begin() as c:
            existing = c.execute(select(models.c.id).where(models.c.path == path)).scalar()
            if existing is not None:
                return existing
            return c.execute(insert(models).values(
                path=path, created=created or time.time(), created_by=created_by,
            )).inserted_primary_key[0]

    def set_scores(self, model_id: int, macro_f1: float, scores: Dict[str, Any]) -> None:
        with self.engine.begin() as c:
            c.execute(update(models).where(models.c.id == model_id).values(macro_f1=macro_f1, scores=json.dumps(scores)))

    def mark_promoted(self, model_id: int, user: str) -> None:
        with self.engine.begin() as c:
            c.execute(update(models).where(models.c.id == model_id).values(promoted_at=time.time(), promoted_by=user))
            c.execute(delete(promotion_requests).where(promotion_requests.c.model_id == model_id))

    def model(self, model_id: int) -> Optional[Dict[str, Any]]:
        with self.engine.begin() as c:
            row = c.execute(select(models).where(models.c.id == model_id)).mappings().first()
        return _model_row(row) if row else None

    def model_by_path(self, path: str) -> Optional[Dict[str, Any]]:
        with self.engine.begin() as c:
            row = c.execute(select(models).where(models.c.path == path)).mappings().first()
        return _model_row(row) if row else None

    def promoted_models(self) -> List[Dict[str, Any]]:
        """Models that have been live, the one promoted (or rolled back to) last first."""
        with self.engine.begin() as c:
            rows = c.execute(
                select(models).where(models.c.promoted_at.is_not(None)).order_by(models.c.promoted_at.desc())
            ).mappings()
            return [_model_row(r) for r in rows]

    def recent_models(self, limit: int = 5) -> List[Dict[str, Any]]:
        with self.engine.begin() as c:
            rows = c.execute(select(models).order_by(models.c.created.desc(), models.c.id.desc()).limit(limit)).mappings()
            return [_model_row(r) for r in rows]

    def request_promotion(self, model_id: int, user: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(promotion_requests).where(promotion_requests.c.model_id == model_id))
            c.execute(insert(promotion_requests).values(model_id=model_id, requested_by=user, at=time.time()))

    def promotion_request(self, model_id: int) -> Optional[str]:
        with self.engine.begin() as c:
            return c.execute(
                select(promotion_requests.c.requested_by).where(promotion_requests.c.model_id == model_id)
            ).scalar()


def _model_row(row: Any) -> Dict[str, Any]:
    data = dict(row)
    data["scores"] = json.loads(data["scores"]) if data["scores"] else None
    return data
