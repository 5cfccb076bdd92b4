"""Rasa component that finds postcodes and place names in a message.

Postcodes are found with the UK-format rules in :mod:`bot.geo.postcodes`
and normalised as "NR2 4EE"; strings shaped like a postcode that are not
valid ones are kept as written, so the bot can say it could not find them. Place names
are found with a spaCy PhraseMatcher over the gazetteer: case-insensitive,
except for towns that are also everyday words ("March", "Deal"), which must
be written with a capital letter to count.

Where a message says where someone is ("i live in ...", "near ...", or a short
message such as "in swafham please"), two more tries, so a resident is asked
for a postcode rather than told the bot cannot help:

- a misspelt place ("Norwhich", "great yarmuth") is the gazetteer's one name a
  slip away (:meth:`bot.geo.gazetteer.Gazetteer.closest`);
- after "live in", "near" and the like, capitalised words ("I live in Scoulton",
  "near Little Snoring"; one word must not be an English word) are a place we do
  not know, kept as written: the bot then says it could not find it and asks for
  a postcode.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.geo.gazetteer import Gazetteer, is_english_word
from bot.geo.outcodes import OutcodeTable
from bot.geo.postcodes import find_postcode_lookalikes, find_postcodes
from bot.nlu.rule_component import RuleComponent
from bot.settings import PROJECT_ROOT

# Words before a place when someone says where they are; "in", "at" and "from" count after
# the words in _SAYS_WHERE ("i live in", "im from") or in a short message ("in swafham").
_NEAR = frozenset({"near", "nr", "around", "nearby"})
_IN = frozenset({"in", "at", "from"})
_SAYS_WHERE = frozenset(
    "live lives living im i'm 'm m am based stay staying moved come comes currently".split()
)
# Words around a place name in a short message: "swafham please", "im in deream thanks".
_AROUND = frozenset(
    "please pls plz thanks thank you ta cheers i me im i'm 'm am is it its the a an my our".split()
)
_SHORT_MESSAGE_WORDS = 4
# A short message that is only a word or two may be a greeting in another language, a slip
# from a town ("witam" is Polish for hello, one letter from Witham): such a word needs 7 letters.
_UNCUED_MIN_LETTERS = 7
_LONGEST_NAME_WORDS = 3
# Capitalised words after "live in" that are not places (the classifier sees them too).
_NOT_PLACES = frozenset(
    """english welsh polish romanian ukrainian arabic urdu portuguese british uk england wales scotland
    nhs uc dwp jobcentre council library universal credit google facebook whatsapp youtube tesco
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()
)


class PlaceMatcher:
    """Finds gazetteer names in text with spaCy's PhraseMatcher, and places a message says it is in."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        self._gazetteer = gazetteer
        gazetteer.spelling_index()  # now, not in the first resident's turn
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
        """Longest non-overlapping matches as (start, end, canonical name), then misspelt and
        unknown places where the message says where someone is (see the module docstring)."""
        from spacy.util import filter_spans

        doc = self._nlp.make_doc(text)
        spans = []
        for matcher in (self._any_case, self._capitalised):
            for match_id, start, end in matcher(doc):
                span = doc[start:end]
                span.label_ = self._nlp.vocab.strings[match_id]
                spans.append(span)
        found = [(s.start_char, s.end_char, self._canonical[s.label_]) for s in filter_spans(spans)]
        if not found:
            found = self._said_where(doc)
        return found

    def _said_where(self, doc: Any) -> List[tuple[int, int, str]]:
        """A misspelt or unknown place after words that say where someone is, at most one."""
        short = len([t for t in doc if t.is_alpha]) <= _SHORT_MESSAGE_WORDS
        for i, token in enumerate(doc):
            before = doc[i - 1].lower_ if i > 0 else ""
            clear = token.lower_ in _NEAR or (token.lower_ in _IN and before in _SAYS_WHERE)
            if clear or (short and token.lower_ in _IN):
                name = self._name_at(doc, i + 1, unknown_allowed=clear)
            elif short and i == 0:
                name = self._name_at(doc, i, unknown_allowed=False, min_letters=_UNCUED_MIN_LETTERS)
            else:
                continue
            if name is not None:
                return [name]
        return []

    def _name_at(
        self, doc: Any, start: int, unknown_allowed: bool, min_letters: int = 0
    ) -> Optional[tuple[int, int, str]]:
        """The place name starting at token ``start``: a slip from a known one, or (after a
        clear "live in" or "near") capitalised non-English words as written."""
        end = start
        while end < len(doc) and end - start < _LONGEST_NAME_WORDS:
            token = doc[end]
            if not token.is_alpha or token.lower_ in _AROUND or token.lower_ in _IN | _NEAR:
                break
            end += 1
        for stop in range(end, start, -1):
            span = doc[start:stop]
            if len(span) == 1 and is_english_word(span.text):
                continue
            place = self._gazetteer.closest(span.text, min_letters)
            if place is not None:
                return (span.start_char, span.end_char, place.name)
        span = doc[start:end]
        if (
            unknown_allowed
            and len(span)
            and all(t.is_title and t.lower_ not in _NOT_PLACES for t in span)
            and not (len(span) == 1 and is_english_word(span.text))
        ):
            return (span.start_char, span.end_char, span.text)
        return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LocationEntityExtractor(RuleComponent, EntityExtractorMixin):
    """Adds ``postcode`` and ``place`` entities found by rules."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "outcodes_csv": str(PROJECT_ROOT / "data" / "geo" / "uk_outcodes.csv"),
            "neighbourhoods_csv": str(PROJECT_ROOT / "data" / "geo" / "neighbourhoods.csv"),
            "places_csv": str(PROJECT_ROOT / "data" / "geo" / "gb_places.csv"),
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._places: Optional[PlaceMatcher] = None
        self._place_matcher()  # built now (about 2 s), not in the first resident's turn

    def _place_matcher(self) -> PlaceMatcher:
        if self._places is None:
            outcodes = OutcodeTable.from_csv(self._config["outcodes_csv"])
            gazetteer = Gazetteer.from_files(
                outcodes, self._config["neighbourhoods_csv"], self._config.get("places_csv")
            )
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
