"""Load hubs.csv (and courses.csv) exactly as the directory contract says.

Every row is checked before anything is written; any problem means nothing
changes and :class:`DirectoryLoadError` lists every problem as
``FILE:ROW: column: what is wrong``. ROW is the spreadsheet row number: the
header is row 1, the first data row is row 2 (a cell with a line break still
counts as one row).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Iterator, Protocol
from urllib.parse import urlparse

from sqlalchemy.engine import Engine

from bot.directory.hours import validate_hours
from bot.directory.store import CourseRecord, HubRecord, LoadSummary, replace_directory
from bot.directory.vocabulary import ACCESSIBILITY, BOOKING, LEVELS, MODES, SERVICES, TOPICS
from bot.geo.postcodes import is_full_postcode, normalise_postcode

log = logging.getLogger(__name__)

HUB_COLUMNS = (
    "id",
    "name",
    "address",
    "postcode",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
    "opening_hours",
    "services",
    "accessibility",
    "languages",
    "booking",
    "notes",
)
HUB_REQUIRED = ("id", "name", "address", "postcode", "services")
COURSE_COLUMNS = (
    "id",
    "title",
    "provider",
    "mode",
    "hub_id",
    "topics",
    "level",
    "schedule",
    "start_date",
    "end_date",
    "url",
    "cost",
    "description",
)
COURSE_REQUIRED = ("id", "title", "mode", "topics")

# Generous box around the UK, Channel Islands and Isle of Man: catches swapped or missing signs.
UK_LAT = (49.0, 61.5)
UK_LON = (-8.7, 2.1)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PostcodeGeocoder(Protocol):
    """What the loader needs from :class:`bot.geo.geocoder.Geocoder`."""

    def geocode(self, postcode: str):  # -> bot.geo.geocoder.GeoPoint | None
        ...


class DirectoryLoadError(Exception):
    """The files were not loaded; ``problems`` holds every ``FILE:ROW: column: problem`` line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Row:
    number: int
    cells: dict[str, str]


class _Reporter:
    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def problem(self, row: int, column: str, message: str) -> None:
        self.problems.append(f"{self.label}:{row}: {column}: {message}")

    def warn(self, row: int, column: str, message: str) -> None:
        self.warnings.append(f"{self.label}:{row}: {column}: {message}")


def load_csv_directory(
    engine: Engine,
    hubs_path: str | Path,
    courses_path: str | Path | None = None,
    geocoder: PostcodeGeocoder | None = None,
) -> LoadSummary:
    """Validate both files, then replace the whole directory in one transaction."""
    hubs, courses, warnings, geocoded = parse_csv_directory(hubs_path, courses_path, geocoder)
    replace_directory(engine, hubs, courses)
    for warning in warnings:
        log.info(warning)  # returned to the caller too, who decides how loudly to show them
    return LoadSummary(hubs=len(hubs), courses=len(courses), geocoded=geocoded, warnings=tuple(warnings))


def parse_csv_directory(
    hubs_path: str | Path,
    courses_path: str | Path | None = None,
    geocoder: PostcodeGeocoder | None = None,
) -> tuple[list[HubRecord], list[CourseRecord], list[str], int]:
    """Records, warnings and the number geocoded; raises DirectoryLoadError on any problem."""
    hub_report = _Reporter(str(hubs_path))
    hubs, hub_ids = _parse_hubs(hubs_path, hub_report, geocoder)
    problems, warnings = list(hub_report.problems), list(hub_report.warnings)
    courses: list[CourseRecord] = []
    if courses_path is not None:
        course_report = _Reporter(str(courses_path))
        courses = _parse_courses(courses_path, course_report, hub_ids)
        problems += course_report.problems
        warnings += course_report.warnings
    if problems:
        raise DirectoryLoadError(problems)
    return hubs, courses, warnings, sum(1 for h in hubs if h.geocoded)


# -- reading --------------------------------------------------------------


def _read_rows(
    path: str | Path, report: _Reporter, columns: tuple[str, ...], required: tuple[str, ...]
) -> Iterator[_Row]:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        report.problem(1, "file", f"cannot be read ({exc.strerror or exc})")
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        report.problem(
            row,
            "file",
            f"is not UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start}); "
            "save it as 'CSV UTF-8 (comma delimited)'",
        )
        return
    if not text.strip():
        report.problem(1, "file", "is empty; it needs a header row and at least one row")
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        report.problem(1, "file", f"is not valid CSV ({exc})")
        return
    names = [h.strip().lower() for h in header]
    seen: set[str] = set()
    for name in names:
        if name in seen and name:
            report.problem(1, name, "column appears more than once")
        seen.add(name)
        if name and name not in columns:
            report.warn(1, name, "unknown column, ignored")
    for name in required:
        if name not in seen:
            report.problem(1, name, "required column is missing")
    if any(name not in seen for name in required):
        return
    number = 1
    try:
        for record in reader:
            number += 1
            if not any(cell.strip() for cell in record):
                continue  # blank spreadsheet row
            if len(record) > len(names) and any(c.strip() for c in record[len(names) :]):
                report.warn(
                    number,
                    "row",
                    f"has {len(record)} cells but the header has {len(names)}; extra cells ignored",
                )
            cells = {
                name: (record[i].strip() if i < len(record) else "")
                for i, name in enumerate(names)
                if name in columns
            }
            yield _Row(number, cells)
    except csv.Error as exc:
        report.problem(number + 1, "row", f"is not valid CSV ({exc})")
    if number == 1:
        report.problem(1, "file", "has a header but no rows")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _check_url(report: _Reporter, row: int, column: str, value: str) -> str | None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in value:
        report.problem(row, column, f"{value!r} is not an absolute http(s) URL (start it with https://)")
        return None
    return value


def _check_list(report: _Reporter, row: int, column: str, cell: str, allowed: dict[str, str]) -> list[str]:
    values = _split(cell)
    for value in values:
        if value not in allowed:
            report.problem(row, column, f"{value!r} is not one of: {', '.join(allowed)}")
    return [v for v in values if v in allowed]


def _check_hours(report: _Reporter, row: int, column: str, value: str) -> str | None:
    if not value:
        return None
    reason = validate_hours(value)
    if reason:
        report.problem(row, column, f"{value!r} is not OpenStreetMap opening_hours syntax ({reason})")
        return None
    return value


def _check_required_and_id(
    row: _Row, report: _Reporter, required: Iterable[str], first_row: dict[str, int]
) -> str:
    """Report blank required cells and a repeated id; return the row's id."""
    c, n = row.cells, row.number
    for column in required:
        if not c.get(column):
            report.problem(n, column, "is required but blank")
    row_id = c.get("id", "")
    if row_id:
        if row_id in first_row:
            report.problem(n, "id", f"{row_id!r} is used again (first on row {first_row[row_id]})")
        else:
            first_row[row_id] = n
    return row_id


# -- hubs -----------------------------------------------------------------


def _parse_hubs(
    path: str | Path, report: _Reporter, geocoder: PostcodeGeocoder | None
) -> tuple[list[HubRecord], set[str]]:
    """Good rows, and every id in the file (so a course at a faulty hub is not blamed too)."""
    hubs: list[HubRecord] = []
    first_row: dict[str, int] = {}
    for row in _read_rows(path, report, HUB_COLUMNS, HUB_REQUIRED):
        before = len(report.problems)
        c, n = row.cells, row.number
        hub_id = _check_required_and_id(row, report, HUB_REQUIRED, first_row)
        postcode = None
        if c.get("postcode"):
            postcode = normalise_postcode(c["postcode"])
            if postcode is None or not is_full_postcode(postcode):
                report.problem(n, "postcode", f"{c['postcode']!r} is not a full UK postcode")
                postcode = None
        services = _check_list(report, n, "services", c.get("services", ""), SERVICES)
        if c.get("services") and not _split(c["services"]):
            report.problem(n, "services", "is required but blank")
        accessibility = _check_list(report, n, "accessibility", c.get("accessibility", ""), ACCESSIBILITY)
        languages = _split(c.get("languages", ""))
        for code in languages:
            if not _LANGUAGE_RE.match(code):
                report.problem(
                    n, "languages", f"{code!r} is not an ISO 639-1 code (two lower-case letters, e.g. en, pl)"
                )
        booking = c.get("booking") or None
        if booking and booking not in BOOKING:
            report.problem(n, "booking", f"{booking!r} is not one of: {', '.join(BOOKING)}")
        website = _check_url(report, n, "website", c["website"]) if c.get("website") else None
        email = c.get("email") or None
        if email and not _EMAIL_RE.match(email):
            report.problem(n, "email", f"{email!r} is not an email address")
        hours = _check_hours(report, n, "opening_hours", c.get("opening_hours", ""))
        lat, lon = _coordinates(report, n, c.get("latitude", ""), c.get("longitude", ""))
        geocoded = None
        if lat is None and not c.get("latitude") and not c.get("longitude") and postcode:
            if len(report.problems) == before:  # only spend a lookup on an otherwise good row
                lat, lon, geocoded = _geocode(report, n, postcode, geocoder)
        if len(report.problems) > before or lat is None or lon is None:  # no problem means both are set
            continue
        hubs.append(
            HubRecord(
                id=hub_id,
                name=c["name"],
                address=c["address"],
                postcode=postcode or "",
                latitude=lat,
                longitude=lon,
                services=services,
                phone=c.get("phone") or None,
                email=email,
                website=website,
                opening_hours=hours,
                accessibility=accessibility,
                languages=languages,
                booking=booking,
                notes=c.get("notes") or None,
                geocoded=geocoded,
            )
        )
    return hubs, set(first_row)


def _coordinates(
    report: _Reporter, n: int, lat_text: str, lon_text: str
) -> tuple[float | None, float | None]:
    if not lat_text and not lon_text:
        return None, None
    if not lat_text or not lon_text:
        missing = "latitude" if not lat_text else "longitude"
        report.problem(n, missing, "is blank but the other coordinate is filled; fill both or neither")
        return None, None
    values: list[float | None] = []
    for column, text, (low, high) in (("latitude", lat_text, UK_LAT), ("longitude", lon_text, UK_LON)):
        try:
            value = float(text)
        except ValueError:
            report.problem(n, column, f"{text!r} is not a number")
            values.append(None)
            continue
        if not low <= value <= high:
            report.problem(
                n, column, f"{text} is outside the UK ({low} to {high}); are latitude and longitude swapped?"
            )
            values.append(None)
            continue
        values.append(value)
    return (values[0], values[1]) if None not in values else (None, None)


def _geocode(
    report: _Reporter, n: int, postcode: str, geocoder: PostcodeGeocoder | None
) -> tuple[float | None, float | None, str | None]:
    if geocoder is None:
        report.problem(n, "latitude", "is blank and no geocoder is available; fill latitude and longitude")
        return None, None, None
    point = geocoder.geocode(postcode)
    if point is None:
        report.problem(
            n,
            "postcode",
            f"{postcode} could not be found by the geocoder; check it or fill latitude and longitude",
        )
        return None, None, None
    if point.precision != "postcode":
        report.warn(
            n,
            "postcode",
            f"{postcode} placed approximately at the centre of {point.outcode} ({point.source})",
        )
    return point.latitude, point.longitude, point.source


# -- courses --------------------------------------------------------------


def _parse_courses(path: str | Path, report: _Reporter, hub_ids: set[str]) -> list[CourseRecord]:
    courses: list[CourseRecord] = []
    first_row: dict[str, int] = {}
    for row in _read_rows(path, report, COURSE_COLUMNS, COURSE_REQUIRED):
        before = len(report.problems)
        c, n = row.cells, row.number
        course_id = _check_required_and_id(row, report, COURSE_REQUIRED, first_row)
        mode = c.get("mode", "")
        if mode and mode not in MODES:
            report.problem(n, "mode", f"{mode!r} is not one of: {', '.join(MODES)}")
        hub_id = c.get("hub_id") or None
        if mode == "in_person" and not hub_id:
            report.problem(n, "hub_id", "is required for in_person courses")
        if hub_id and hub_id not in hub_ids:
            report.problem(n, "hub_id", f"{hub_id!r} is not the id of a hub in the hubs file")
        topics = _check_list(report, n, "topics", c.get("topics", ""), TOPICS)
        if c.get("topics") and not _split(c["topics"]):
            report.problem(n, "topics", "is required but blank")
        level = c.get("level") or None
        if level and level not in LEVELS:
            report.problem(n, "level", f"{level!r} is not one of: {', '.join(LEVELS)}")
        schedule = _check_hours(report, n, "schedule", c.get("schedule", ""))
        start = _date(report, n, "start_date", c.get("start_date", ""))
        end = _date(report, n, "end_date", c.get("end_date", ""))
        if start and end and end < start:
            report.problem(n, "end_date", f"{end} is before start_date {start}")
        url = _check_url(report, n, "url", c["url"]) if c.get("url") else None
        if mode == "online" and not c.get("url"):
            report.problem(n, "url", "is required for online courses")
        cost = _cost(report, n, c.get("cost", ""))
        if len(report.problems) > before:
            continue
        courses.append(
            CourseRecord(
                id=course_id,
                title=c["title"],
                mode=mode,
                topics=topics,
                provider=c.get("provider") or None,
                hub_id=hub_id,
                level=level,
                schedule=schedule,
                start_date=start,
                end_date=end,
                url=url,
                cost=cost,
                description=c.get("description") or None,
            )
        )
    return courses


def _date(report: _Reporter, n: int, column: str, text: str) -> date | None:
    if not text:
        return None
    try:
        if not _DATE_RE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        report.problem(n, column, f"{text!r} is not a date written YYYY-MM-DD")
        return None


def _cost(report: _Reporter, n: int, text: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
        if not value.is_finite() or value < 0:
            raise InvalidOperation
    except InvalidOperation:
        report.problem(n, "cost", f"{text!r} is not a price in pounds (a number such as 0 or 12.50)")
        return None
    return value
