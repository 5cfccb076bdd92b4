"""Turn what a resident told us (postcode, place name or GPS) into one SearchOrigin.

A SearchOrigin is where the resident is, as far as we know it: the point a
search for hubs starts from (the directory's hubs are
:class:`bot.directory.schema.Location` rows). Every one carries an outcode
when one can be found, so anonymous impact statistics can be kept by outcode
without storing full postcodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.geo.gazetteer import Gazetteer
from bot.geo.geocoder import Geocoder
from bot.geo.outcodes import OutcodeTable

OriginPrecision = Literal["postcode", "outcode", "place", "gps"]


@dataclass(frozen=True)
class SearchOrigin:
    """A point to search from, with a label to repeat back to the resident."""

    latitude: float
    longitude: float
    label: str  # "NR2 4EE", "NR2 (Norwich)", "Mile Cross", "your location"
    outcode: str | None
    precision: OriginPrecision
    source: str  # "postcodes.io", "offline", "gazetteer" or "gps"

    @property
    def approximate(self) -> bool:
        """True unless we know the full postcode or the exact GPS point."""
        return self.precision in ("outcode", "place")


class Locator:
    """Combines the geocoder (postcodes) and the gazetteer (place names)."""

    def __init__(self, geocoder: Geocoder, gazetteer: Gazetteer) -> None:
        self.geocoder = geocoder
        self.gazetteer = gazetteer

    def locate(self, postcode: str | None = None, place: str | None = None) -> SearchOrigin | None:
        """Postcode first (more precise), then place name; None when neither is known."""
        if postcode:
            point = self.geocoder.geocode(postcode)
            if point is not None:
                return SearchOrigin(
                    point.latitude, point.longitude, point.label, point.outcode, point.precision, point.source
                )
        if place:
            found = self.gazetteer.lookup(place)
            if found is not None:
                nearest = self.geocoder.outcodes.nearest(found.latitude, found.longitude)
                return SearchOrigin(
                    found.latitude,
                    found.longitude,
                    found.name,
                    nearest.outcode if nearest else None,
                    "place",
                    "gazetteer",
                )
        return None

    def from_coordinates(self, latitude: float, longitude: float) -> SearchOrigin:
        """A shared GPS location; the outcode comes from a reverse lookup."""
        point = self.geocoder.reverse(latitude, longitude)
        return SearchOrigin(
            latitude, longitude, "your location", point.outcode if point else None, "gps", "gps"
        )


def build_locator(settings: Any, neighbourhoods_csv: str | Path | None = None) -> Locator:
    """A Locator from :class:`bot.settings.Settings` (reads the outcode table once). The
    neighbourhoods and the UK towns and villages (gb_places.csv) are read from beside the
    outcode table when they are there."""
    outcodes = OutcodeTable.from_csv(settings.outcodes_csv)
    beside = Path(settings.outcodes_csv).parent
    if neighbourhoods_csv is None and (beside / "neighbourhoods.csv").exists():
        neighbourhoods_csv = beside / "neighbourhoods.csv"
    places_csv = beside / "gb_places.csv"
    return Locator(
        Geocoder.from_settings(settings, outcodes),
        Gazetteer.from_files(outcodes, neighbourhoods_csv, places_csv if places_csv.exists() else None),
    )
