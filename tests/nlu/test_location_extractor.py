"""The location extractor as Rasa builds it: its files from the config, then postcodes and places."""

from __future__ import annotations

from pathlib import Path

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
