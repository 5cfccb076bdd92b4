"""The location extractor as Rasa builds it: its files from the config, then postcodes and places."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.location_extractor import LocationEntityExtractor
from tests.support.small_pipeline import parse, train_small


def test_finds_postcodes_and_gazetteer_places_from_its_configured_files() -> None:
    extractor = LocationEntityExtractor({})
    found = [
        (e["entity"], e["value"])
        for e in extractor.extract("any help near mile cross or nr2 4ee, or in March")
    ]
    assert found == [("place", "Mile Cross"), ("postcode", "NR2 4EE"), ("place", "March")]
    assert extractor.extract("what do you do in march") == []  # an everyday word unless capitalised


def test_rasa_builds_the_rule_components_in_a_trained_pipeline(tmp_path: Path) -> None:
    """Trained and loaded the way `rasa train` and the server do (RuleComponent.create)."""
    pipeline = [
        {"name": "WhitespaceTokenizer"},
        {"name": "bot.nlu.location_extractor.LocationEntityExtractor"},
        {"name": "bot.nlu.entity_placeholders.EntityPlaceholders"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "LogisticRegressionClassifier"},
    ]
    parsed = parse(train_small(tmp_path, pipeline), ["i need a laptop near NR2 4EE"])[0]
    assert [(e["entity"], e["value"]) for e in parsed["entities"]] == [("postcode", "NR2 4EE")]
    assert parsed["intent"]["name"] == "get_device"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I'm in Norwhich", [("place", "Norwich")]),  # misspelt, after "I'm in"
        ("im in great yarmuth", [("place", "Great Yarmouth")]),
        ("i need a laptop near Thetferd", [("place", "Thetford")]),
        ("Swafham please", [("place", "Swaffham")]),  # a short message that is only a place
        ("Lowestoft", [("place", "Lowestoft")]),  # a town the outcode table does not name
        ("I live in Scoulton", [("place", "Scoulton")]),  # not known: kept as written, to be named back
        ("i live near Little Snoring", [("place", "Little Snoring")]),
        # Not places: a greeting one letter from Witham, words after "in", an English word.
        ("witam", []),
        ("Diolch yn fawr", []),
        ("help in English please", []),
        ("I live in a flat", []),
        ("a course in Excel", []),
        ("I'm in Universal Credit", []),
        ("mieszkam w Norwhich", []),  # the words that say where are English ones
    ],
)
def test_misspelt_and_unknown_places_where_a_message_says_where(text: str, found: list) -> None:
    extractor = LocationEntityExtractor({})
    assert [(e["entity"], e["value"]) for e in extractor.extract(text)] == found
