"""Find the nearest hubs offering a service, and courses by topic.

Nearest search is a bounding box on the indexed latitude/longitude columns
that widens until it holds ``limit`` matches (or covers the country), then an
exact haversine sort of only those candidates. Anything outside the box is
farther than its radius, so the answer is the true nearest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any, Iterable, Sequence

from sqlalchemy import and_, bindparam, exists, literal, select, union_all
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import CompoundSelect, Select

from bot.directory import schema
from bot.directory.hours import HoursToday, describe_hours
from bot.geo.distance import haversine_miles

_MILES_PER_DEGREE_LAT = 69.05
_START_RADIUS_MILES = 3.0
_GROWTH = 3.0
_WHOLE_COUNTRY_MILES = 800.0


@dataclass(frozen=True)
class HubResult:
    id: str
    name: str  # exactly as in the directory
    address: str
    postcode: str
    latitude: float
    longitude: float
    distance_miles: float | None  # None when no reference point was given
    phone: str | None
    email: str | None
    website: str | None
    booking: str | None  # drop_in | appointment | both | None (unknown)
    notes: str | None
    services: tuple[str, ...]
    accessibility: tuple[str, ...]
    languages: tuple[str, ...]
    opening_hours: str | None  # raw OSM opening_hours
    hours: HoursToday


@dataclass(frozen=True)
class CourseResult:
    id: str
    title: str
    provider: str | None
    mode: str  # in_person | online
    topics: tuple[str, ...]
    level: str | None
    schedule: str | None  # raw OSM opening_hours of the sessions
    start_date: date | None
    end_date: date | None
    url: str | None
    cost: float | None  # pounds; None or 0 = free
    description: str | None
    hub: HubResult | None  # where it runs (in_person), with distance
    distance_miles: float | None

    @property
    def free(self) -> bool:
        return not self.cost

    @property
    def hub_name(self) -> str | None:
        """Name of the hub where an in-person course runs."""
        return self.hub.name if self.hub else None


class DirectorySearch:
    """Read-only queries over a loaded directory."""

    def __init__(self, engine: Engine, timezone: str | tzinfo = "Europe/London") -> None:
        self.engine = engine
        self.timezone = timezone

    # -- hubs -------------------------------------------------------------

    def nearest_hubs(
        self,
        lat: float,
        lon: float,
        services: Iterable[str],
        limit: int = 3,
        accessibility: Iterable[str] = (),
        languages: Iterable[str] = (),
        max_miles: float | None = None,
        now: datetime | None = None,
    ) -> list[HubResult]:
        """Hubs offering ANY of ``services`` and ALL of ``accessibility``/``languages``, nearest first."""
        service_list = list(dict.fromkeys(services))
        access_list = list(dict.fromkeys(accessibility))
        language_list = list(dict.fromkeys(languages))
        if not service_list or limit <= 0:
            return []
        params: dict[str, Any] = {"services": service_list}
        params.update({f"access_{i}": code for i, code in enumerate(access_list)})
        params.update({f"lang_{i}": code for i, code in enumerate(language_list)})
        ceiling = _WHOLE_COUNTRY_MILES if max_miles is None else max_miles
        radius = min(_START_RADIUS_MILES, ceiling)
        with self.engine.connect() as conn:
            while True:
                lat_delta = radius / _MILES_PER_DEGREE_LAT
                worst_lat = min(89.0, abs(lat) + lat_delta)
                lon_delta = radius / (_MILES_PER_DEGREE_LAT * math.cos(math.radians(worst_lat)))
                whole = radius >= _WHOLE_COUNTRY_MILES
                params.update(
                    lat_lo=lat - lat_delta,
                    lat_hi=lat + lat_delta,
                    lon_lo=lon - lon_delta,
                    lon_hi=lon + lon_delta,
                )
                query = _candidate_query(len(access_list), len(language_list), boxed=not whole)
                rows = conn.execute(query, params).all()
                scored = sorted(
                    (d, row.id)
                    for row in rows
                    if (d := haversine_miles(lat, lon, row.latitude, row.longitude))
                    <= (radius if not whole else math.inf)
                )
                if len(scored) >= limit or radius >= ceiling or whole:
                    break
                radius = min(radius * _GROWTH, ceiling)
            if max_miles is not None:
                scored = [item for item in scored if item[0] <= max_miles]
            top = scored[:limit]
            hubs = fetch_hubs(conn, [hub_id for _, hub_id in top])
        return [self._hub_result(hubs[hub_id], distance, now) for distance, hub_id in top]

    def get_hub(self, hub_id: str, now: datetime | None = None) -> HubResult | None:
        """One hub by id, without a distance."""
        with self.engine.connect() as conn:
            hub = fetch_hubs(conn, [hub_id]).get(hub_id)
        return None if hub is None else self._hub_result(hub, None, now)

    def all_hubs(self, now: datetime | None = None) -> list[HubResult]:
        """Every hub, by name (for staff listings and checks)."""
        with self.engine.connect() as conn:
            ids = (
                conn.execute(select(schema.Location.id).order_by(schema.Location.name, schema.Location.id))
                .scalars()
                .all()
            )
            hubs = fetch_hubs(conn, ids)
        return [self._hub_result(hubs[hub_id], None, now) for hub_id in ids]

    # -- courses ----------------------------------------------------------

    def courses(
        self,
        topics: Iterable[str],
        level: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        limit: int = 3,
        today: date | None = None,
        now: datetime | None = None,
        max_miles: float | None = None,
    ) -> tuple[list[CourseResult], list[CourseResult]]:
        """(in-person courses nearest first, online courses) on ANY of ``topics``.

        No topics means any topic. A ``level`` keeps courses of that level or
        of level ``any``/unknown. Courses whose end date has passed are left out.
        """
        when = now or datetime.now()
        today = today or when.date()
        topic_list = list(dict.fromkeys(topics))
        query = select(schema.Course).where(
            (schema.Course.end_date.is_(None)) | (schema.Course.end_date >= today)
        )
        if topic_list:
            query = query.where(
                exists().where(
                    and_(
                        schema.CourseTopic.course_id == schema.Course.id,
                        schema.CourseTopic.term_id.in_(topic_list),
                    )
                )
            )
        if level and level != "any":
            query = query.where(schema.Course.level.is_(None) | schema.Course.level.in_((level, "any")))
        with Session(self.engine) as session:
            courses = (
                session.execute(query.order_by(schema.Course.title, schema.Course.id))
                .scalars()
                .unique()
                .all()
            )
            hubs = fetch_hubs(session.connection(), [c.location_id for c in courses if c.location_id])
            in_person: list[tuple[float, int, CourseResult]] = []
            online: list[CourseResult] = []
            for index, course in enumerate(courses):
                if course.mode == "online":
                    online.append(self._course_result(course, None, None))
                    continue
                hub = hubs.get(course.location_id) if course.location_id else None
                distance = None
                if hub is not None and lat is not None and lon is not None:
                    distance = haversine_miles(lat, lon, hub["latitude"], hub["longitude"])
                    if max_miles is not None and distance > max_miles:
                        continue
                hub_result = self._hub_result(hub, distance, now) if hub is not None else None
                in_person.append(
                    (
                        distance if distance is not None else math.inf,
                        index,
                        self._course_result(course, hub_result, distance),
                    )
                )
            in_person.sort(key=lambda item: (item[0], item[1]))
            return [item[2] for item in in_person[:limit]], online[:limit]

    # -- helpers ----------------------------------------------------------

    def _hub_result(self, hub: dict[str, Any], distance: float | None, now: datetime | None) -> HubResult:
        return HubResult(
            **hub,
            distance_miles=None if distance is None else round(distance, 2),
            hours=describe_hours(hub["opening_hours"], now, self.timezone),
        )

    @staticmethod
    def _course_result(course: schema.Course, hub: HubResult | None, distance: float | None) -> CourseResult:
        return CourseResult(
            id=course.id,
            title=course.title,
            provider=course.provider,
            mode=course.mode,
            topics=tuple(sorted(t.term_id for t in course.topics)),
            level=course.level,
            schedule=course.schedules[0].opening_hours if course.schedules else None,
            start_date=course.start_date,
            end_date=course.end_date,
            url=course.url,
            cost=None if course.cost_pence is None else course.cost_pence / 100,
            description=course.description,
            hub=hub,
            distance_miles=None if distance is None else round(distance, 2),
        )


@lru_cache(maxsize=64)
def _candidate_query(n_access: int, n_lang: int, boxed: bool) -> Select:
    """Hub ids and coordinates matching the filters (and the box); built once per shape.

    Statements use bound parameters so SQLAlchemy's compiled cache is hit and
    only the numbers change between searches.
    """
    location_id = schema.Location.id
    conditions = [
        exists().where(
            schema.LocationService.location_id == location_id,
            schema.LocationService.term_id.in_(bindparam("services", expanding=True)),
        )
    ]
    conditions += [
        exists().where(
            schema.LocationAccessibility.location_id == location_id,
            schema.LocationAccessibility.code == bindparam(f"access_{i}"),
        )
        for i in range(n_access)
    ]
    conditions += [
        exists().where(
            schema.LocationLanguage.location_id == location_id,
            schema.LocationLanguage.code == bindparam(f"lang_{i}"),
        )
        for i in range(n_lang)
    ]
    if boxed:
        conditions += [
            schema.Location.latitude.between(bindparam("lat_lo"), bindparam("lat_hi")),
            schema.Location.longitude.between(bindparam("lon_lo"), bindparam("lon_hi")),
        ]
    return select(schema.Location.id, schema.Location.latitude, schema.Location.longitude).where(
        and_(*conditions)
    )


@lru_cache(maxsize=1)
def _hub_queries() -> tuple[Select, CompoundSelect]:
    """(hub rows, list values) for ``ids``, built once."""
    ids = bindparam("ids", expanding=True)
    rows = select(
        schema.Location.id,
        schema.Location.name,
        schema.Location.address,
        schema.Location.postcode,
        schema.Location.latitude,
        schema.Location.longitude,
        schema.Location.phone,
        schema.Location.email,
        schema.Location.website,
        schema.Location.booking,
        schema.Location.notes,
    ).where(schema.Location.id.in_(ids))
    lists = union_all(
        select(schema.LocationService.location_id, literal("services"), schema.LocationService.term_id).where(
            schema.LocationService.location_id.in_(ids)
        ),
        select(
            schema.LocationAccessibility.location_id,
            literal("accessibility"),
            schema.LocationAccessibility.code,
        ).where(schema.LocationAccessibility.location_id.in_(ids)),
        select(schema.LocationLanguage.location_id, literal("languages"), schema.LocationLanguage.code).where(
            schema.LocationLanguage.location_id.in_(ids)
        ),
        select(schema.Schedule.location_id, literal("opening_hours"), schema.Schedule.opening_hours).where(
            schema.Schedule.location_id.in_(ids)
        ),  # course schedules have no location_id
    )
    return rows, lists


def fetch_hubs(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Hub fields by id in two queries (rows, then all list values), avoiding ORM overhead."""
    if not ids:
        return {}
    params = {"ids": list(dict.fromkeys(ids))}
    rows_query, lists_query = _hub_queries()
    hubs: dict[str, dict[str, Any]] = {
        row.id: {**row._asdict(), "services": [], "accessibility": [], "languages": [], "opening_hours": None}
        for row in conn.execute(rows_query, params)
    }
    lists = conn.execute(lists_query, params)
    for location_id, kind, value in lists:
        hub = hubs.get(location_id)
        if hub is None:
            continue
        if kind == "opening_hours":
            hub["opening_hours"] = hub["opening_hours"] or value
        else:
            hub[kind].append(value)
    for hub in hubs.values():
        for kind in ("services", "accessibility", "languages"):
            hub[kind] = tuple(sorted(hub[kind]))
    return hubs
