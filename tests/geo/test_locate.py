from __future__ import annotations

import pytest

from bot.geo.gazetteer import Gazetteer
from bot.geo.geocoder import Geocoder
from bot.geo.locate import Locator, SearchOrigin
from bot.geo.outcodes import OutcodeTable
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def locator(outcodes: OutcodeTable) -> Locator:
    gazetteer = Gazetteer.from_files(outcodes, PROJECT_ROOT / "data" / "geo" / "neighbourhoods.csv")
    return Locator(Geocoder(outcodes, mode="offline"), gazetteer)


def test_postcode_wins_over_place(locator: Locator) -> None:
    location = locator.locate("NR3 2RJ", "Wymondham")
    assert isinstance(
        location, SearchOrigin
    )  # where to search from; the directory's hubs are schema.Location
    assert location.outcode == "NR3" and location.precision == "outcode"
    assert location.approximate


def test_place_name_gets_nearest_outcode(locator: Locator) -> None:
    location = locator.locate(None, "mile cross")
    assert location is not None
    assert (location.label, location.precision, location.source) == ("Mile Cross", "place", "gazetteer")
    assert location.outcode in {"NR3", "NR6"}


def test_bad_postcode_falls_back_to_place(locator: Locator) -> None:
    location = locator.locate("ZZ1 1ZZ", "Sprowston")
    assert location is not None and location.label == "Sprowston"


def test_nothing_known_is_none(locator: Locator) -> None:
    assert locator.locate(None, "Atlantis") is None
    assert locator.locate(None, None) is None


def test_from_coordinates(locator: Locator) -> None:
    location = locator.from_coordinates(52.6302, 1.2853)
    assert (location.latitude, location.longitude) == (52.6302, 1.2853)
    assert location.outcode == "NR2" and location.precision == "gps" and not location.approximate


def test_build_locator_from_settings() -> None:
    from bot.geo.locate import build_locator
    from bot.settings import load

    locator = build_locator(load({"GEOCODER": "offline", "SIGNPOST_VAR_DIR": "/tmp/unused"}))
    location = locator.locate(None, "Mile Cross")
    assert location is not None and location.label == "Mile Cross"
    assert locator.geocoder.mode == "offline"


def test_alias_phrases_resolve(locator: Locator) -> None:
    phrases = locator.gazetteer.phrases()
    assert "city centre" in phrases and "Mile Cross" in phrases
    assert locator.gazetteer.lookup("city centre").name == "Norwich city centre"  # type: ignore[union-attr]
    assert locator.gazetteer.is_common_word("March")
