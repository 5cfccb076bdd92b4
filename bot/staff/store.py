"""The staff database: accounts, sessions, login failures, audit log, inbox decisions, models.

An account with a ``hub_id`` is a hub's account: it may only record referral
arrivals for that one place (bot.staff.views.base guards the routes).

One small SQLite file under var/staff/ (``STAFF_DB``), opened on first use so
importing the console never touches the disk. Session ids are stored only as
SHA-256 digests: a copy of the file does not let anyone sign in.

:func:`purge` is the retention job: old sign-in failures and sessions go, and
taught examples (a resident's words) leave the audit log after
``CONVERSATION_RETENTION_DAYS``, like the conversations they came from.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Union

from sqlalchemy import (
    Column,
    Float,
    Index,
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
    inspect,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine

from bot.directory.db import add_missing_column

if TYPE_CHECKING:
    from bot.staff.settings import StaffSettings

metadata = MetaData()


def _required(**types: Any) -> List[Column]:
    """Columns that must hold a value, in the order given (``name=Type``)."""
    return [Column(name, type_, nullable=False) for name, type_ in types.items()]


def _optional(**types: Any) -> List[Column]:
    """Columns that may be empty (null), in the order given."""
    return [Column(name, type_) for name, type_ in types.items()]


# hub_id: a hub's account (the directory's location id); null for staff.
users = Table(
    "users",
    metadata,
    Column("name", String, primary_key=True),
    *_required(password_hash=String, created=Float),
    *_optional(hub_id=String),
)
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String, primary_key=True),
    *_required(user=String, csrf=String, created=Float, last_seen=Float),
)
# One row per sign-in attempt that failed or is being checked (a row is taken before the
# password is checked, and removed when it was right): see Store.take_attempt.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    *_required(account=String, address=String, at=Float),
    Index("login_failures_account", "account", "at"),
    Index("login_failures_address", "address", "at"),
)
# details: JSON.
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    *_required(at=Float, user=String, action=String, details=Text),
)
# event_id: the tracker's events.id; action: intent | new_intent | out_of_scope | dismiss.
decisions = Table(
    "decisions",
    metadata,
    Column("event_id", Integer, primary_key=True),
    *_required(action=String),
    *_optional(intent=String),
    *_required(user=String, at=Float),
)
# scores: JSON, per-intent F1 and the confusion matrix.
models = Table(
    "models",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("path", String, nullable=False, unique=True),
    *_required(created=Float, created_by=String),
    *_optional(macro_f1=Float, scores=Text, promoted_at=Float, promoted_by=String),
)
promotion_requests = Table(
    "promotion_requests",
    metadata,
    Column("model_id", Integer, primary_key=True),
    *_required(requested_by=String, at=Float),
)


FAILURES_KEPT_SECONDS = 24 * 3600  # sign-in failures: far longer than any throttle window, then deleted
RESIDENT_TEXT_KEYS = ("example", "examples")  # audit details that hold a resident's words


@dataclass(frozen=True)
class Limits:
    """The sign-in throttle (see bot.staff.auth)."""

    window: float  # seconds a failure counts for
    pair: int  # failures of one account from one address
    address: int  # failures from one address, any account
    account: int  # failures of one account from all addresses before it is slowed
    slowed_pair: int = 1  # what one address may still try while its account is slowed


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Store:
    """Thin functions over the tables; every method opens its own short transaction."""

    def __init__(self, location: Union[Path, str]) -> None:
        """A SQLite file, or an SQLAlchemy URL (STAFF_DB_URL: PostgreSQL in the replicated profile)."""
        self.url = location if isinstance(location, str) and "://" in location else None
        self.path = None if self.url else Path(location)
        self._engine: Optional[Engine] = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(f"sqlite:///{self.path}", connect_args={"timeout": 30})

                @event.listens_for(engine, "connect")
                def _wal(dbapi_connection: Any, record: Any) -> None:  # web + CLI at once
                    dbapi_connection.execute("PRAGMA journal_mode=WAL")
                    dbapi_connection.execute("PRAGMA secure_delete=ON")  # purged text is overwritten

            else:
                engine = create_engine(str(self.url), pool_pre_ping=True)
            _migrate(engine)
            metadata.create_all(engine)
            self._engine = engine
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    # accounts
    def add_user(self, name: str, password_hash: str, hub_id: Optional[str] = None) -> None:
        with self.engine.begin() as c:
            c.execute(
                insert(users).values(
                    name=name, password_hash=password_hash, created=time.time(), hub_id=hub_id
                )
            )

    def set_password(self, name: str, password_hash: str) -> bool:
        """A new password ends every session of that account (in the same transaction)."""
        with self.engine.begin() as c:
            changed = c.execute(
                update(users).where(users.c.name == name).values(password_hash=password_hash)
            ).rowcount
            if changed:
                c.execute(delete(sessions).where(sessions.c.user == name))
            return bool(changed)

    def rehash(self, name: str, password_hash: str) -> None:
        """The same password under newer argon2 parameters: sessions stay."""
        with self.engine.begin() as c:
            c.execute(update(users).where(users.c.name == name).values(password_hash=password_hash))

    def password_hash(self, name: str) -> Optional[str]:
        with self.engine.begin() as c:
            return c.execute(select(users.c.password_hash).where(users.c.name == name)).scalar()

    def user_names(self) -> List[str]:
        return list(self.user_hubs())

    def user_hubs(self) -> Dict[str, Optional[str]]:
        """Every account's name and its hub (None for staff), by name."""
        with self.engine.begin() as c:
            return dict(c.execute(select(users.c.name, users.c.hub_id).order_by(users.c.name)).all())

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
            c.execute(
                insert(sessions).values(
                    id_hash=digest(session_id),
                    user=user,
                    csrf=secrets.token_urlsafe(32),
                    created=now,
                    last_seen=now,
                )
            )
        return session_id

    def session(
        self, session_id: str, max_idle: float, max_age: float = float("inf"), now: Optional[float] = None
    ) -> Optional[Dict[str, Any]]:
        """The live session for a cookie, with its account's ``hub_id``.

        One idle for ``max_idle`` s or older than ``max_age`` s is ended."""
        now = time.time() if now is None else now
        with self.engine.begin() as c:
            row = (
                c.execute(
                    select(sessions, users.c.hub_id)
                    .select_from(sessions.outerjoin(users, users.c.name == sessions.c.user))
                    .where(sessions.c.id_hash == digest(session_id))
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            if now - row["last_seen"] > max_idle or now - row["created"] > max_age:
                c.execute(delete(sessions).where(sessions.c.id_hash == row["id_hash"]))
                return None
            c.execute(update(sessions).where(sessions.c.id_hash == row["id_hash"]).values(last_seen=now))
            return dict(row)

    def delete_session(self, session_id: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(sessions).where(sessions.c.id_hash == digest(session_id)))

    # login throttle
    def take_attempt(self, account: str, address: str, limits: Limits, now: float) -> Optional[int]:
        """Check the limits and record the attempt in ONE statement; None when over a limit.

        SQLite takes the write lock before an INSERT ... SELECT reads, so two sign-ins
        at once cannot both pass the count (the row counts as a failure until
        :meth:`attempt_succeeded` removes it)."""
        since = now - limits.window
        f = login_failures.c

        def count(*where: Any) -> Any:
            return (
                select(func.count())
                .select_from(login_failures)
                .where(f.at >= since, *where)
                .scalar_subquery()
            )

        pair_count = count(f.account == account, f.address == address)
        allowed = select(literal(account), literal(address), literal(now)).where(
            count(f.address == address) < limits.address,
            pair_count < limits.pair,
            or_(count(f.account == account) < limits.account, pair_count < limits.slowed_pair),
        )
        with self.engine.begin() as c:
            result = c.execute(insert(login_failures).from_select(["account", "address", "at"], allowed))
            return result.lastrowid if result.rowcount == 1 else None

    def attempt_succeeded(self, attempt_id: int, account: str, address: str) -> None:
        """The right password: forget this attempt and this address's failures for the account."""
        with self.engine.begin() as c:
            c.execute(
                delete(login_failures).where(
                    or_(
                        login_failures.c.id == attempt_id,
                        (login_failures.c.account == account) & (login_failures.c.address == address),
                    )
                )
            )

    def failure_times(self, account: Optional[str], address: Optional[str], since: float) -> List[float]:
        """When recent failures happened (oldest first), for telling someone how long to wait."""
        f = login_failures.c
        query = select(f.at).where(f.at >= since).order_by(f.at)
        if account is not None:
            query = query.where(f.account == account)
        if address is not None:
            query = query.where(f.address == address)
        with self.engine.begin() as c:
            return list(c.execute(query).scalars())

    # audit log
    def audit(self, user: str, action: str, **details: Any) -> None:
        with self.engine.begin() as c:
            c.execute(
                insert(audit).values(at=time.time(), user=user, action=action, details=json.dumps(details))
            )

    def purge(
        self, now: float, text_days: float, session_max_seconds: float = 7 * 24 * 3600
    ) -> Dict[str, int]:
        """Retention: sign-in failures older than a day and sessions past any lifetime are deleted;
        taught examples older than ``text_days`` are removed from audit entries (the entry stays:
        who taught which intent when)."""
        cutoff = now - text_days * 86400
        counts = {"login_failures": 0, "sessions": 0, "audit_texts": 0}
        with self.engine.begin() as c:
            counts["login_failures"] = c.execute(
                delete(login_failures).where(login_failures.c.at < now - FAILURES_KEPT_SECONDS)
            ).rowcount
            counts["sessions"] = c.execute(
                delete(sessions).where(
                    or_(
                        sessions.c.created < now - session_max_seconds,
                        sessions.c.last_seen < now - session_max_seconds,
                    )
                )
            ).rowcount
            rows = c.execute(
                select(audit.c.id, audit.c.details).where(
                    audit.c.at < cutoff,
                    or_(*(audit.c.details.contains(f'"{k}"') for k in RESIDENT_TEXT_KEYS)),
                )
            ).all()
            for row_id, text in rows:
                details = json.loads(text)
                if not any(k in details for k in RESIDENT_TEXT_KEYS):
                    continue
                for key in RESIDENT_TEXT_KEYS:
                    details.pop(key, None)
                details["text_removed"] = True
                c.execute(update(audit).where(audit.c.id == row_id).values(details=json.dumps(details)))
                counts["audit_texts"] += 1
        if self.path is not None:
            with self.engine.connect() as c:  # old copies of the pages leave the write-ahead log too
                c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return counts

    def audit_log(self, limit: int = 200) -> List[Dict[str, Any]]:
        with self.engine.begin() as c:
            rows = c.execute(select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings().all()
        return [{**r, "details": json.loads(r["details"])} for r in rows]

    # inbox decisions
    def decide(self, event_id: int, action: str, intent: Optional[str], user: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(decisions).where(decisions.c.event_id == event_id))
            c.execute(
                insert(decisions).values(
                    event_id=event_id, action=action, intent=intent, user=user, at=time.time()
                )
            )

    def decided_ids(self) -> set:
        with self.engine.begin() as c:
            return set(c.execute(select(decisions.c.event_id)).scalars())

    # model registry
    def register_model(self, path: str, created_by: str, created: Optional[float] = None) -> int:
        with self.engine.begin() as c:
            existing = c.execute(select(models.c.id).where(models.c.path == path)).scalar()
            if existing is not None:
                return existing
            return c.execute(
                insert(models).values(
                    path=path,
                    created=created or time.time(),
                    created_by=created_by,
                )
            ).inserted_primary_key[0]

    def set_scores(self, model_id: int, macro_f1: float, scores: Dict[str, Any]) -> None:
        with self.engine.begin() as c:
            c.execute(
                update(models)
                .where(models.c.id == model_id)
                .values(macro_f1=macro_f1, scores=json.dumps(scores))
            )

    def mark_promoted(self, model_id: int, user: str) -> None:
        with self.engine.begin() as c:
            c.execute(
                update(models)
                .where(models.c.id == model_id)
                .values(promoted_at=time.time(), promoted_by=user)
            )
            c.execute(delete(promotion_requests).where(promotion_requests.c.model_id == model_id))

    def model(self, model_id: int) -> Optional[Dict[str, Any]]:
        with self.engine.begin() as c:
            row = c.execute(select(models).where(models.c.id == model_id)).mappings().first()
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
            rows = c.execute(
                select(models).order_by(models.c.created.desc(), models.c.id.desc()).limit(limit)
            ).mappings()
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


def _migrate(engine: Engine) -> None:
    """Bring a database made by an older version up to date, keeping its data.

    login_failures used to hold one ``key`` column; it only ever holds throttle
    data, so it starts afresh. users gained ``hub_id`` (hub accounts): added,
    null (staff) for every existing account."""
    tables = inspect(engine).get_table_names()

    def lacks(table: str, column: str) -> bool:
        return table in tables and column not in {c["name"] for c in inspect(engine).get_columns(table)}

    if lacks("login_failures", "account"):
        with engine.begin() as c:
            c.exec_driver_sql("DROP TABLE login_failures")
    if "users" in tables:
        add_missing_column(engine, "users", "hub_id", "VARCHAR")


def purge(now: Optional[float] = None, settings: "Optional[StaffSettings]" = None) -> Dict[str, int]:
    """The staff database's retention job, for the scheduled maintenance (settings from the environment)."""
    from bot.staff.settings import load

    settings = settings or load()
    store = Store(settings.db_location)
    try:
        return store.purge(
            time.time() if now is None else now,
            settings.retention_days,
            max(settings.session_hours, settings.session_idle_hours) * 3600,
        )
    finally:
        store.dispose()


def _model_row(row: Any) -> Dict[str, Any]:
    data = dict(row)
    data["scores"] = json.loads(data["scores"]) if data["scores"] else None
    return data
