"""Rasa component that finds postcodes and place names in a message.

Postcodes are found with the UK-format rules in :mod:`bot.geo.postcodes`
and normalised as "NR2 4EE"; strings shaped like a postcode that are not
valid ones are kept as written, so the bot can say it could not find them. Place names
are found with a spaCy PhraseMatcher over the gazetteer: case-insensitive,
except for towns that are also everyday words ("March", "Deal"), which must
be written with a capital letter to count.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.geo.gazetteer import Gazetteer
from bot.geo.outcodes import OutcodeTable
from bot.geo.postcodes import find_postcode_lookalikes, find_postcodes
from bot.nlu.rule_component import RuleComponent
from bot.settings import PROJECT_ROOT


class PlaceMatcher:
    """Finds gazetteer names in text with spaCy's PhraseMatcher."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        self._nlp = spacy.blank("en")
        self._any_case = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        self._capitalised = PhraseMatcher(self._nlp.vocab, attr="ORTH")
        self._canonical: Dict[str, str] = {}
        for phrase in gazetteer.phrases():
            place = gazetteer.lookup(phrase)
            if place is None:
                continue
            key = f"p{len(self._canonical)}"
            self._canonical[key] = place.name
            matcher = self._capitalised if gazetteer.is_common_word(phrase) else self._any_case
            matcher.add(key, [self._nlp.make_doc(phrase)])

    def find(self, text: str) -> List[tuple[int, int, str]]:
        """Longest non-overlapping matches as (start, end, canonical name)."""
        from spacy.util import filter_spans

        doc = self._nlp.make_doc(text)
        spans = []
        for matcher in (self._any_case, self._capitalised):
            for match_id, start, end in matcher(doc):
                span = doc[start:end]
                span.label_ = self._nlp.vocab.strings[match_id]
                spans.append(span)
        return [(s.start_char, s.end_char, self._canonical[s.label_]) for s in filter_spans(spans)]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LocationEntityExtractor(RuleComponent, EntityExtractorMixin):
    """Adds ``postcode`` and ``place`` entities found by rules."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "outcodes_csv": str(PROJECT_ROOT / "data" / "geo" / "uk_outcodes.csv"),
            "neighbourhoods_csv": str(PROJECT_ROOT / "data" / "geo" / "neighbourhoods.csv"),
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._places: Optional[PlaceMatcher] = None
        self._place_matcher()  # built now (about 2 s), not in the first resident's turn

    def _place_matcher(self) -> PlaceMatcher:
        if self._places is None:
            outcodes = OutcodeTable.from_csv(self._config["outcodes_csv"])
            gazetteer = Gazetteer.from_files(outcodes, self._config["neighbourhoods_csv"])
            self._places = PlaceMatcher(gazetteer)
        return self._places

    def extract(self, text: str) -> List[Dict[Text, Any]]:
        # Look-alikes ("ZZ99 9ZZ") become postcode entities too, so the bot can
        # say it could not find them rather than ignore them.
        entities: List[Dict[Text, Any]] = [
            {"entity": "postcode", "start": s, "end": e, "value": value}
            for s, e, value in find_postcodes(text) + find_postcode_lookalikes(text)
        ]
        taken = [(e["start"], e["end"]) for e in entities]
        for start, end, name in self._place_matcher().find(text):
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            entities.append({"entity": "place", "start": start, "end": end, "value": name})
        entities.sort(key=lambda ent: ent["start"])
        return self.add_extractor_name(entities)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = self.extract(text)
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
