"""The location extractor as Rasa builds it: its files from the config, then postcodes and places."""

from __future__ import annotations

from bot.nlu.location_extractor import LocationEntityExtractor


def test_finds_postcodes_and_gazetteer_places_from_its_configured_files() -> None:
    extractor = LocationEntityExtractor({})
    found = [(e["entity"], e["value"]) for e in extractor.extract("any help near mile cross or nr2 4ee, or in March")]
    assert found == [("place", "Mile Cross"), ("postcode", "NR2 4EE"), ("place", "March")]
    assert extractor.extract("what do you do in march") == []  # an everyday word unless capitalised
