"""data/geo/gb_places.csv: UK towns and villages the outcode table does not name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.geo.gazetteer import Gazetteer, read_places
from bot.geo.geonames import installed_places, places_from_geonames
from bot.geo.outcodes import OutcodeTable
from bot.settings import PROJECT_ROOT
from tests.support.cli import run_module

GEO = PROJECT_ROOT / "data" / "geo"


def test_the_file_is_what_the_package_gives() -> None:
    """Regenerated with `python -m bot geo places`; a hand edit or a new package shows here."""
    assert read_places(GEO / "gb_places.csv") == installed_places()


def test_one_place_per_name_the_most_populous_and_only_the_uk() -> None:
    cities = [
        {"name": "Holt", "countrycode": "GB", "population": 1700, "latitude": 51.3, "longitude": -2.1},
        {"name": "Holt", "countrycode": "GB", "population": 3800, "latitude": 52.9, "longitude": 1.09},
        {"name": "Paris", "countrycode": "FR", "population": 2_000_000, "latitude": 48.8, "longitude": 2.3},
    ]
    [holt] = places_from_geonames(cities)
    assert (holt.name, holt.latitude) == ("Holt", 52.9)


@pytest.fixture(scope="module")
def gazetteer(outcodes: OutcodeTable) -> Gazetteer:
    return Gazetteer.from_files(outcodes, GEO / "neighbourhoods.csv", GEO / "gb_places.csv")


@pytest.mark.parametrize("town", ["Aylsham", "Diss", "Lowestoft", "Loddon", "Acle"])
def test_towns_missing_from_the_outcode_table_are_found(
    gazetteer: Gazetteer, outcodes: OutcodeTable, town: str
) -> None:
    assert Gazetteer.from_files(outcodes, None).lookup(town) is None  # why the file exists
    place = gazetteer.lookup(town)
    assert place is not None and 52.3 < place.latitude < 53.0 and 1.0 < place.longitude < 1.8


def test_what_was_known_before_keeps_its_point(gazetteer: Gazetteer, outcodes: OutcodeTable) -> None:
    before = Gazetteer.from_files(outcodes, GEO / "neighbourhoods.csv")
    for name in ("Norwich", "Mile Cross", "Wymondham", "Great Yarmouth"):
        assert gazetteer.lookup(name) == before.lookup(name)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Norwhich", "Norwich"),
        ("wymondam", "Wymondham"),
        ("great yarmuth", "Great Yarmouth"),
        ("Swafham", "Swaffham"),
        ("lakenam", "Lakenham"),
        ("Sheringam", "Sheringham"),
        ("Scoulton", None),  # a village we do not know, two letters from Scorton in Yorkshire: no guess
        ("Norwich", None),  # exact names are lookup()'s job
        ("Nor", None),  # too short to say
        ("Borwich", None),  # a slip in the first letter is not guessed
    ],
)
def test_closest_finds_one_slip_and_never_guesses(gazetteer: Gazetteer, text: str, name: str | None) -> None:
    found = gazetteer.closest(text)
    assert (found.name if found else None) == name


def test_the_command_writes_the_file(tmp_path: Path) -> None:
    """`python -m bot geo places --out ...` writes what the package gives."""
    out = tmp_path / "places.csv"
    env = {**os.environ, "SIGNPOST_VAR_DIR": str(tmp_path)}
    result = run_module("bot", "geo", "places", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert read_places(out) == installed_places()
