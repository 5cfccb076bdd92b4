"""Validated directory records and the one way to write them: replace all.

Both loaders (CSV and Open Referral UK) build these records, then call
:func:`replace_directory`, which swaps the whole directory in one transaction
so residents never see a half-loaded directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from bot.directory import schema
from bot.directory.db import create_schema
from bot.directory.vocabulary import SERVICE_VOCABULARY, SERVICES, TOPIC_VOCABULARY, TOPICS
from bot.geo.postcodes import outcode_of


@dataclass
class HubRecord:
    id: str
    name: str
    address: str
    postcode: str  # normalised full postcode
    latitude: float
    longitude: float
    services: list[str]
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    opening_hours: str | None = None
    accessibility: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    booking: str | None = None
    notes: str | None = None
    geocoded: str | None = None  # source when coordinates came from the geocoder
    organization_id: str | None = None


@dataclass
class CourseRecord:
    id: str
    title: str
    mode: str
    topics: list[str]
    provider: str | None = None
    hub_id: str | None = None
    level: str | None = None
    schedule: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    url: str | None = None
    cost: Decimal | None = None
    description: str | None = None


@dataclass
class OrganizationRecord:
    id: str
    name: str
    description: str | None = None
    website: str | None = None
    email: str | None = None


@dataclass
class ServiceRecord:
    """An ORUK service and the hubs it runs at (provenance only)."""

    id: str
    name: str
    location_ids: list[str]
    organization_id: str | None = None
    description: str | None = None
    url: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class LoadSummary:
    hubs: int
    courses: int
    geocoded: int
    warnings: tuple[str, ...]


def replace_directory(
    engine: Engine,
    hubs: list[HubRecord],
    courses: Sequence[CourseRecord] = (),
    organizations: Sequence[OrganizationRecord] = (),
    services: Sequence[ServiceRecord] = (),
) -> None:
    """Delete everything and insert the records, all in one transaction."""
    create_schema(engine)
    with engine.begin() as conn:
        for table in schema.TABLES_CHILD_FIRST:
            conn.execute(table.delete())
        terms = [{"id": k, "vocabulary": SERVICE_VOCABULARY, "name": v} for k, v in SERVICES.items()]
        terms += [{"id": k, "vocabulary": TOPIC_VOCABULARY, "name": v} for k, v in TOPICS.items()]
        _insert(conn, schema.TaxonomyTerm.__table__, terms)
        _insert(conn, schema.Organization.__table__, [_row(o, schema.Organization) for o in organizations])
        location = [_row(h, schema.Location, outcode=outcode_of(h.postcode)) for h in hubs]
        _insert(conn, schema.Location.__table__, location)
        _insert(
            conn,
            schema.LocationService.__table__,
            [{"location_id": h.id, "term_id": s} for h in hubs for s in dict.fromkeys(h.services)],
        )
        _insert(
            conn,
            schema.LocationAccessibility.__table__,
            [{"location_id": h.id, "code": a} for h in hubs for a in dict.fromkeys(h.accessibility)],
        )
        _insert(
            conn,
            schema.LocationLanguage.__table__,
            [{"location_id": h.id, "code": code} for h in hubs for code in dict.fromkeys(h.languages)],
        )
        schedules = [
            {"id": f"hub:{h.id}", "location_id": h.id, "course_id": None, "opening_hours": h.opening_hours}
            for h in hubs
            if h.opening_hours
        ]
        _insert(conn, schema.Service.__table__, [_row(s, schema.Service) for s in services])
        _insert(
            conn,
            schema.ServiceAtLocation.__table__,
            [
                {"id": f"{s.id}@{loc}", "service_id": s.id, "location_id": loc}
                for s in services
                for loc in dict.fromkeys(s.location_ids)
            ],
        )
        course = [_row(c, schema.Course, location_id=c.hub_id, cost_pence=_pence(c.cost)) for c in courses]
        _insert(conn, schema.Course.__table__, course)
        _insert(
            conn,
            schema.CourseTopic.__table__,
            [{"course_id": c.id, "term_id": t} for c in courses for t in dict.fromkeys(c.topics)],
        )
        schedules += [
            {"id": f"course:{c.id}", "location_id": None, "course_id": c.id, "opening_hours": c.schedule}
            for c in courses
            if c.schedule
        ]
        _insert(conn, schema.Schedule.__table__, schedules)


def _row(record: object, model: Any, **computed: object) -> dict[str, object]:
    """The row for ``record``: its fields named like ``model``'s columns, and the columns computed from it."""
    fields = vars(record)
    return {**{c.name: fields[c.name] for c in model.__table__.columns if c.name in fields}, **computed}


def _pence(cost: Decimal | None) -> int | None:
    """Pence keep money exact on every database."""
    return None if cost is None else int((cost * 100).to_integral_value())


def _insert(conn, table, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(table), rows)
