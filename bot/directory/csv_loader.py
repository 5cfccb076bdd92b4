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
from typing import Any, Callable, Collection, Iterable, Iterator, Protocol, TypeVar
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


Check = Callable[[_Reporter, _Row, str], Any]  # one cell's check: reports what is wrong, returns the value
Record = TypeVar("Record")


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


def _parse_rows(
    path: str | Path,
    report: _Reporter,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    checks: dict[str, Check],
    record: Callable[[_Row, dict[str, Any], int], Record | None],
) -> tuple[list[Record], set[str]]:
    """Each row's cells checked in the order of ``checks``, made a record, kept if nothing is wrong with it.

    ``record`` gets the row, its checked cells by column and how many problems
    there were before the row; it returns None for a row it cannot make a
    record of. Also returns every id in the file.
    """
    records: list[Record] = []
    first_row: dict[str, int] = {}
    for row in _read_rows(path, report, columns, required):
        before = len(report.problems)
        cells: dict[str, Any] = {"id": _check_required_and_id(row, report, required, first_row)}
        cells.update((column, check(report, row, column)) for column, check in checks.items())
        made = record(row, cells, before)
        if made is not None and len(report.problems) == before:
            records.append(made)
    return records, set(first_row)


# -- one cell -------------------------------------------------------------
# A parser reads a good cell and raises _Wrong for a bad one; _parsed and
# _listed make it a check of one cell, which reports what is wrong.


class _Wrong(ValueError):
    """A cell is not what its column holds; the message says what it should be."""


def _read(report: _Reporter, row: _Row, column: str, parse: Callable[[str], Any], text: str) -> Any:
    """``parse(text)``, or None with the problem reported."""
    try:
        return parse(text)
    except _Wrong as wrong:
        report.problem(row.number, column, f"{text!r} is not {wrong}")
        return None


def _parsed(parse: Callable[[str], Any]) -> Check:
    """A cell that is blank (None) or that ``parse`` reads."""

    def check(report: _Reporter, row: _Row, column: str) -> Any:
        text = row.cells.get(column, "")
        return _read(report, row, column, parse, text) if text else None

    return check


def _listed(parse: Callable[[str], Any], required: bool = False) -> Check:
    """Items separated by semicolons, each read by ``parse``; the good ones are kept."""

    def check(report: _Reporter, row: _Row, column: str) -> list[Any]:
        cell = row.cells.get(column, "")
        items = [_read(report, row, column, parse, text) for text in _split(cell)]
        if required and cell and not items:
            report.problem(row.number, column, "is required but blank")
        return [item for item in items if item is not None]

    return check


def _text(report: _Reporter, row: _Row, column: str) -> str | None:
    """Free text, kept as written; blank is None."""
    return row.cells.get(column) or None


def _kept_if(good: Callable[[str], object], what: str) -> Callable[[str], str]:
    """A parser that keeps the cell as written when ``good`` holds for it; else the cell is not ``what``."""

    def parse(text: str) -> str:
        if not good(text):
            raise _Wrong(what)
        return text

    return parse


def _word_of(allowed: Collection[str]) -> Callable[[str], str]:
    """A parser of one word of a vocabulary."""
    return _kept_if(allowed.__contains__, f"one of: {', '.join(allowed)}")


def _is_url(text: str) -> bool:
    parsed = urlparse(text)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in text


_language = _kept_if(_LANGUAGE_RE.match, "an ISO 639-1 code (two lower-case letters, e.g. en, pl)")
_email = _kept_if(_EMAIL_RE.match, "an email address")
_url = _kept_if(_is_url, "an absolute http(s) URL (start it with https://)")


def _postcode(text: str) -> str:
    postcode = normalise_postcode(text)
    if postcode is None or not is_full_postcode(postcode):
        raise _Wrong("a full UK postcode")
    return postcode


def _hours(text: str) -> str:
    reason = validate_hours(text)
    if reason:
        raise _Wrong(f"OpenStreetMap opening_hours syntax ({reason})")
    return text


def _date(text: str) -> date:
    try:
        if _DATE_RE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise _Wrong("a date written YYYY-MM-DD")


def _cost(text: str) -> Decimal:
    try:
        value = Decimal(text)
        if value.is_finite() and value >= 0:
            return value
    except InvalidOperation:
        pass
    raise _Wrong("a price in pounds (a number such as 0 or 12.50)")


# -- hubs -----------------------------------------------------------------

HUB_CHECKS: dict[str, Check] = {
    "name": _text,
    "address": _text,
    "postcode": _parsed(_postcode),
    "services": _listed(_word_of(SERVICES), required=True),
    "accessibility": _listed(_word_of(ACCESSIBILITY)),
    "languages": _listed(_language),
    "booking": _parsed(_word_of(BOOKING)),
    "website": _parsed(_url),
    "email": _parsed(_email),
    "opening_hours": _parsed(_hours),
    "phone": _text,
    "notes": _text,
}


def _parse_hubs(
    path: str | Path, report: _Reporter, geocoder: PostcodeGeocoder | None
) -> tuple[list[HubRecord], set[str]]:
    """Good rows, and every id in the file (so a course at a faulty hub is not blamed too)."""

    def placed(row: _Row, cells: dict[str, Any], before: int) -> HubRecord | None:
        """The hub where its coordinates put it, or the geocoder its postcode; None if nowhere."""
        lat_text, lon_text = row.cells.get("latitude", ""), row.cells.get("longitude", "")
        lat, lon = _coordinates(report, row.number, lat_text, lon_text)
        geocoded = None
        if lat is None and not lat_text and not lon_text and cells["postcode"]:
            if len(report.problems) == before:  # only spend a lookup on an otherwise good row
                lat, lon, geocoded = _geocode(report, row.number, cells["postcode"], geocoder)
        if lat is None or lon is None:
            return None
        return HubRecord(**cells, latitude=lat, longitude=lon, geocoded=geocoded)

    return _parse_rows(path, report, HUB_COLUMNS, HUB_REQUIRED, HUB_CHECKS, placed)


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


def _course_checks(hub_ids: set[str]) -> dict[str, Check]:
    """A course's cells, checked against each other and against the ids in the hubs file."""

    def hub_id(report: _Reporter, row: _Row, column: str) -> str | None:
        value = row.cells.get(column) or None
        if row.cells.get("mode") == "in_person" and not value:
            report.problem(row.number, column, "is required for in_person courses")
        if value and value not in hub_ids:
            report.problem(row.number, column, f"{value!r} is not the id of a hub in the hubs file")
        return value

    def end_date(report: _Reporter, row: _Row, column: str) -> date | None:
        end = _parsed(_date)(report, row, column)
        try:
            start = _date(row.cells.get("start_date", ""))
        except _Wrong:
            return end  # no start date, or a wrong one already reported
        if end and end < start:
            report.problem(row.number, column, f"{end} is before start_date {start}")
        return end

    def url(report: _Reporter, row: _Row, column: str) -> str | None:
        value = _parsed(_url)(report, row, column)
        if row.cells.get("mode") == "online" and not row.cells.get(column):
            report.problem(row.number, column, "is required for online courses")
        return value

    return {
        "title": _text,
        "mode": _parsed(_word_of(MODES)),
        "hub_id": hub_id,
        "topics": _listed(_word_of(TOPICS), required=True),
        "level": _parsed(_word_of(LEVELS)),
        "schedule": _parsed(_hours),
        "start_date": _parsed(_date),
        "end_date": end_date,
        "url": url,
        "cost": _parsed(_cost),
        "provider": _text,
        "description": _text,
    }


def _parse_courses(path: str | Path, report: _Reporter, hub_ids: set[str]) -> list[CourseRecord]:
    def course(row: _Row, cells: dict[str, Any], before: int) -> CourseRecord:
        return CourseRecord(**cells)

    return _parse_rows(path, report, COURSE_COLUMNS, COURSE_REQUIRED, _course_checks(hub_ids), course)[0]
