"""Offline table of UK outward-code centroids (data/geo/uk_outcodes.csv).

It lets the bot place a resident approximately when no online geocoder
answers, and gives every place an outcode for anonymous impact statistics.
The table is from 2017 and is not a list of valid postcodes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from bot.geo.distance import haversine_miles


@dataclass(frozen=True)
class Outcode:
    """Centroid and town of one outward code."""

    outcode: str
    latitude: float
    longitude: float
    town: str
    region: str


class OutcodeTable:
    """In-memory outcode -> centroid lookup, with a nearest-centroid search."""

    def __init__(self, rows: list[Outcode]) -> None:
        self._by_code = {row.outcode: row for row in rows}

    @classmethod
    def from_csv(cls, path: str | Path) -> OutcodeTable:
        """Read the CSV (columns postcode, latitude, longitude, town, region, ...)."""
        rows: list[Outcode] = []
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for record in csv.DictReader(handle):
                try:
                    lat, lon = float(record["latitude"]), float(record["longitude"])
                except (TypeError, ValueError):
                    continue
                rows.append(
                    Outcode(
                        outcode=record["postcode"].strip().upper(),
                        latitude=lat,
                        longitude=lon,
                        town=(record.get("town") or "").strip(),
                        region=(record.get("region") or "").strip(),
                    )
                )
        return cls(rows)

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, outcode: object) -> bool:
        return isinstance(outcode, str) and outcode.upper() in self._by_code

    def __iter__(self) -> Iterator[Outcode]:
        return iter(self._by_code.values())

    def lookup(self, outcode: str) -> Outcode | None:
        """Centroid of an outward code, or None when the table lacks it."""
        return self._by_code.get(outcode.strip().upper())

    def nearest(self, latitude: float, longitude: float) -> Outcode | None:
        """Outcode whose centroid is nearest the point (a linear scan of ~3k rows)."""
        return min(
            self._by_code.values(),
            key=lambda row: haversine_miles(latitude, longitude, row.latitude, row.longitude),
            default=None,
        )

    def label(self, outcode: str) -> str:
        """ "NR2 (Norwich)" when the town is known, else just the outcode."""
        row = self.lookup(outcode)
        return f"{outcode} ({row.town})" if row and row.town else outcode
