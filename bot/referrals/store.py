"""The referral tables: a code, the places it was given for, and who marked an arrival with what outcome.

They live in the directory database (SQLite or PostgreSQL) beside the impact
tables, in their own MetaData like :mod:`bot.impact.store`, so reloading the
directory leaves them alone. A referral holds the day, the need, the outward
code, the channel and the places offered; never a sender id, a full postcode,
coordinates, message text or anything else about the person (docs/impact.md).
Every value passes through :mod:`bot.impact.privacy` on the way in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Dict, Mapping, Optional, Sequence, Tuple

from babel.dates import format_date
from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.directory.db import OwnTables
from bot.impact import privacy
from bot.referrals import codes, outcomes
from bot.wording import _, catalogue

ISSUE_ATTEMPTS = 8  # a clash is one in millions; eight in a row means something else is wrong

metadata = MetaData()

referrals = Table(
    "referral",
    metadata,
    Column("code", String(7), primary_key=True),  # "K7P-3QX"
    Column("day", Date, nullable=False, index=True),  # UTC day issued
    Column("need", String(40), nullable=False),  # an intent of bot.needs, or "other"
    Column("outcode", String(8), nullable=False),  # outward code ("NR2") or "unknown"
    Column("channel", String(10), nullable=False),  # web | telegram | other
    Column("expires", Date, nullable=False),  # the last day the code is good for
)
places = Table(
    "referral_place",
    metadata,
    Column("code", String(7), ForeignKey("referral.code"), primary_key=True),
    Column("hub_id", String(200), primary_key=True),  # the directory's location id
    Column("position", Integer, nullable=False, default=0),  # its place in the answer, nearest first
)
arrivals = Table(
    "referral_arrival",
    metadata,
    Column("code", String(7), ForeignKey("referral.code"), primary_key=True),
    Column("hub_id", String(200), primary_key=True),
    Column("outcome", String(20), nullable=False),  # one of bot.referrals.outcomes.OUTCOMES
    Column("day", Date, nullable=False),  # UTC day marked (the latest mark)
    Column("by", String(200)),  # staff account name or --by; null when not given
)


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


def _utc_day(now: Optional[datetime]) -> date:
    """The UTC day of ``now`` (naive datetimes are taken as UTC, like the impact tables' hours)."""
    if now is None:
        return utc_today()
    return (now.astimezone(timezone.utc) if now.tzinfo is not None else now).date()


def _day_words(day: date) -> str:
    """ "12 December 2025", as the catalogue's locale writes a day."""
    return format_date(day, "d MMMM y", locale=catalogue().locale)


class ReferralError(Exception):
    """A mark that cannot be recorded; ``str()`` is a plain-language message for the person marking."""


class UnknownCode(ReferralError):
    def __init__(self, code: str) -> None:
        super().__init__(_("referral.unknown_code", code=code))


class ExpiredCode(ReferralError):
    def __init__(self, code: str, expires: date) -> None:
        super().__init__(_("referral.expired_code", code=code, day=_day_words(expires)))


class PlaceNotInAnswer(ReferralError):
    def __init__(self, code: str, hub_id: str) -> None:
        super().__init__(_("referral.place_not_in_answer", code=code, hub=hub_id))


class UnknownOutcome(ReferralError):
    def __init__(self, outcome: str) -> None:
        super().__init__(
            _("referral.unknown_outcome", outcome=outcome, outcomes=", ".join(outcomes.OUTCOMES))
        )


@dataclass(frozen=True)
class Referral:
    """One code as stored, with the places it was given for and the arrivals marked so far."""

    code: str
    day: date
    need: str
    outcode: str
    channel: str
    expires: date
    hub_ids: Tuple[str, ...]  # the places named in the answer, in its order (nearest first)
    arrivals: Mapping[str, str] = field(default_factory=dict)  # hub_id -> outcome
    as_of: Optional[date] = None  # the day it was looked up: what expired() compares with by default

    def expired(self, today: Optional[date] = None) -> bool:
        """Past its last day (``expires``) on ``today`` (default: the day it was looked up, or today)."""
        return (today or self.as_of or utc_today()) > self.expires


class ReferralStore(OwnTables):
    """Issues, finds, marks and ages out referrals; the engine is passed in and used on first call."""

    TABLES = metadata

    def issue(
        self,
        need: str,
        outcode: Optional[str],
        hub_ids: Sequence[str],
        channel: str,
        valid_days: int,
        today: Optional[date] = None,
    ) -> str:
        """A new code for an answer naming ``hub_ids``; only the outward code of ``outcode`` is kept."""
        hubs = list(dict.fromkeys(str(h) for h in hub_ids))
        if not hubs:
            raise ValueError("a referral names at least one place")
        self.ensure_schema()
        day = today or utc_today()
        row = {
            "day": day,
            "need": privacy.need_name(need),
            "outcode": privacy.outward_code(outcode),
            "channel": privacy.channel_of({"channel": channel}),
            "expires": day + timedelta(days=max(0, int(valid_days))),
        }
        for _attempt in range(ISSUE_ATTEMPTS):
            code = codes.new_code()
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(referrals).values(code=code, **row))
                    conn.execute(
                        insert(places),
                        [{"code": code, "hub_id": h, "position": i} for i, h in enumerate(hubs)],
                    )
                return code
            except IntegrityError:  # the code is taken: draw another
                continue
        raise RuntimeError(f"no free referral code after {ISSUE_ATTEMPTS} attempts")

    def find(self, code: str, today: Optional[date] = None) -> Optional[Referral]:
        """The referral with ``code`` (as typed: normalised first); None when there is none."""
        normal = codes.normalise(code)
        if normal is None:
            return None
        self.ensure_schema()
        with self.engine.connect() as conn:
            return self._find(conn, normal, today or utc_today())

    @staticmethod
    def _find(conn: Connection, code: str, today: date) -> Optional[Referral]:
        row = conn.execute(select(referrals).where(referrals.c.code == code)).mappings().first()
        if row is None:
            return None
        hub_ids = tuple(
            conn.execute(
                select(places.c.hub_id)
                .where(places.c.code == code)
                .order_by(places.c.position, places.c.hub_id)
            ).scalars()
        )
        marked: Dict[str, str] = {
            hub: outcome
            for hub, outcome in conn.execute(
                select(arrivals.c.hub_id, arrivals.c.outcome).where(arrivals.c.code == code)
            )
        }
        return Referral(
            code=row["code"],
            day=row["day"],
            need=row["need"],
            outcode=row["outcode"],
            channel=row["channel"],
            expires=row["expires"],
            hub_ids=hub_ids,
            arrivals=marked,
            as_of=today,
        )

    def mark(
        self,
        code: str,
        hub_id: str,
        outcome: str,
        by: Optional[str] = None,
        today: Optional[date] = None,
    ) -> Optional[str]:
        """Record that the resident with ``code`` arrived at ``hub_id`` with ``outcome``.

        Marking again updates the outcome. Returns the outcome it replaced
        (None for a first mark); raises a :class:`ReferralError` whose text
        says what to do instead.
        """
        day = today or utc_today()
        referral = self.find(code, day)
        if referral is None:
            raise UnknownCode(code.strip() if isinstance(code, str) else str(code))
        if referral.expired(day):
            raise ExpiredCode(referral.code, referral.expires)
        if hub_id not in referral.hub_ids:
            raise PlaceNotInAnswer(referral.code, hub_id)
        if outcome not in outcomes.OUTCOMES:
            raise UnknownOutcome(outcome)
        values = {"outcome": outcome, "day": day, "by": by}
        key = (arrivals.c.code == referral.code) & (arrivals.c.hub_id == hub_id)
        for _attempt in range(2):  # a second marker may insert between our read and our write
            try:
                with self.engine.begin() as conn:
                    previous = conn.execute(select(arrivals.c.outcome).where(key)).scalar()
                    if previous is None:
                        conn.execute(insert(arrivals).values(code=referral.code, hub_id=hub_id, **values))
                    else:
                        conn.execute(update(arrivals).where(key).values(**values))
                return previous
            except IntegrityError:  # it did: read again and update theirs
                continue
        raise RuntimeError("could not record the arrival")

    def purge_older_than(self, days: int, now: Optional[datetime] = None) -> int:
        """Delete referrals issued more than ``days`` days ago, with their places and arrivals."""
        self.ensure_schema()
        cutoff = _utc_day(now) - timedelta(days=days)
        old = select(referrals.c.code).where(referrals.c.day < cutoff)
        with self.engine.begin() as conn:
            conn.execute(delete(arrivals).where(arrivals.c.code.in_(old)))
            conn.execute(delete(places).where(places.c.code.in_(old)))
            return conn.execute(delete(referrals).where(referrals.c.day < cutoff)).rowcount or 0
