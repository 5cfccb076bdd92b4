"""Write small CSV files for loader and search tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

HUB_HEADER = [
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
]
COURSE_HEADER = [
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
]


SAMPLE_HUB = {  # every column filled as a loader accepts it; tests change only what they test
    "id": "h1",
    "name": "Hub One",
    "address": "1 Street, Norwich",
    "postcode": "NR2 1AW",
    "latitude": "52.6276",
    "longitude": "1.2916",
    "phone": "01603 000000",
    "email": "",
    "website": "https://example.org/",
    "opening_hours": "Mo-Fr 09:00-17:00",
    "services": "wifi;computers",
    "accessibility": "",
    "languages": "",
    "booking": "drop_in",
    "notes": "",
}


SAMPLE_COURSE = {  # at SAMPLE_HUB
    "id": "c1",
    "title": "Course One",
    "provider": "",
    "mode": "in_person",
    "hub_id": "h1",
    "topics": "basics",
    "level": "beginner",
    "schedule": "Tu 10:00-12:00",
    "start_date": "",
    "end_date": "",
    "url": "",
    "cost": "0",
    "description": "",
}


def hub(**cells: str) -> dict[str, str]:
    """A hub row: the sample hub with ``cells`` changed."""
    return {**SAMPLE_HUB, **cells}


def course(**cells: str) -> dict[str, str]:
    """A course row: the sample course at that hub with ``cells`` changed."""
    return {**SAMPLE_COURSE, **cells}


def write_csv(
    path: Path, rows: list[dict[str, str]], header: list[str] | None = None, bom: bool = False
) -> Path:
    header = header or (list(rows[0]) if rows else HUB_HEADER)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path
