"""Rasa component: fix residents' typos and run-together words before featurizing.

"is there somewere in Catton i can get oline" and "wherecan i get a laptop"
are how many residents type, on a small phone screen or with shaky hands.
Character n-grams and MiniLM's word pieces recover some of it; correcting the
words first recovers most (typos and missing spaces in `make bench-nlu`).

SymSpell (symspellpy, with its English frequency dictionary) does the
looking up, in English and in the words of our own English training data; at the
same distance a taught word wins, so a slip is corrected towards the words
the bot was taught. A token is left alone when it is already a known word,
is shorter than 3 letters, holds a digit or other non-letters, is part of a
postcode or place entity, or is in capitals in a message that is not all
capitals ("DWP", "NHS"). Otherwise it is replaced by the nearest known word
within 1 edit (up to 4 letters) or 2 edits, or split into known words
("wherecan", "athome") when a split needs fewer edits (a space is one).
A message in another language (the language detector's, or the channel's
hint when it carries none) or in Roman Urdu (``language_id.is_roman_urdu``) is
left alone: correcting Polish or "nahi" towards English words would only garble it.

Only tokens change (text and lemma, from spaCy's lookup table); the
message text is kept as the resident wrote it, so staff see the original.
The sentence embedding reads the corrected words through
:func:`corrected_text`. Place after EntityPlaceholders, before featurizers.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language_detector import english_only_may_read
from bot.nlu.stored_component import StoredComponent

FILE = "vocabulary.json"
# The corrected words of a message, for components that read text rather than tokens.
CORRECTED_TEXT = "text_spelling_corrected"
# Parts a run-together word may split into besides words of 3 letters or more.
LOCATION_ENTITIES = ("postcode", "place")  # left as typed
SHORT_WORDS = frozenset("a i am an as at be by do go he if in is it me my no of on or so to up us we".split())


@lru_cache(maxsize=1)
def english() -> "Any":
    """SymSpell over the English dictionary: built once a process (about 4 s), never changed."""
    from symspellpy import SymSpell

    speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    speller.load_dictionary(str(files("symspellpy") / "frequency_dictionary_en_82_765.txt"), 0, 1)
    return speller


@lru_cache(maxsize=1)
def lemmas() -> "Any":
    """spaCy's English lookup lemmas (spacy-lookups-data), as the tokenizer uses (``.get(word)``)."""
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


class Speller:
    """Corrects one lower-case word towards the taught words, then English."""

    def __init__(self, taught: Iterable[Text]) -> None:
        from symspellpy import SymSpell

        self.english = english()
        self.taught = set(taught)
        self.taught_speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word in self.taught:
            self.taught_speller.create_dictionary_entry(word, 1)

    def known(self, word: Text) -> bool:
        return word in self.taught or word in self.english.words

    def correct(self, word: Text) -> Optional[List[Text]]:
        """The word(s) to read instead of ``word``, or None to keep it."""
        from symspellpy import Verbosity

        if self.known(word):
            return None
        distance = 1 if len(word) <= 4 else 2
        # Nearest first; at the same distance a taught word, then the commoner English word.
        candidates = [
            (s.distance, 0, 0, [s.term])
            for s in self.taught_speller.lookup(word, Verbosity.CLOSEST, max_edit_distance=distance)
        ]
        candidates += [
            (s.distance, 1, -s.count, [s.term])
            for s in self.english.lookup(word, Verbosity.TOP, max_edit_distance=distance)
        ]
        # A split costs one edit per space; a slip of the same cost wins ("somewere" is not "some were").
        split = self.english.word_segmentation(word, max_edit_distance=0).corrected_string.split()
        if len(split) > 1 and all(self.known(p) and (len(p) > 2 or p in SHORT_WORDS) for p in split):
            candidates.append((len(split) - 1 + 0.5, 2, 0, split))
        return min(candidates)[3] if candidates else None


def correctable(token: Token, message_in_capitals: bool) -> bool:
    text = token.text
    if len(text) < 3 or not text.isalpha() or not text.isascii():
        return False
    return message_in_capitals or not text.isupper()


def in_entity(token: Token, entities: List[Dict[Text, Any]]) -> bool:
    return any(token.start < e["end"] and e["start"] < token.end for e in entities)


def corrected_text(message: Message) -> Optional[Text]:
    """The message's words after spelling correction, if the component ran."""
    return message.get(CORRECTED_TEXT)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SpellingCorrector(StoredComponent):
    """Corrects tokens towards English and the training data's own words."""

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        taught: Optional[List[Text]] = None,
    ) -> None:
        super().__init__(config, model_storage, resource)
        self.taught = sorted(set(taught or []))
        self._speller: Optional[Speller] = None

    @classmethod
    def from_saved(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, directory: Path
    ) -> "SpellingCorrector":
        corrector = cls(config, model_storage, resource, json.loads((directory / FILE).read_text()))
        corrector.speller  # noqa: B018 - built now (about 5 s), not in the first resident's turn
        return corrector

    def train(self, training_data: TrainingData) -> Resource:
        words = set()
        for message in training_data.training_examples:
            if not english_only_may_read(message):
                continue  # a Polish word must not be what an English typo is corrected to
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                if token.text.isalpha():
                    words.add(token.text.lower())
        self.taught = sorted(words)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / FILE).write_text(json.dumps(self.taught))
        return self._resource

    @property
    def speller(self) -> Speller:
        if self._speller is None:
            self._speller = Speller(self.taught)
        return self._speller

    def correct(self, message: Message) -> None:
        tokens: List[Token] = message.get(TOKENS_NAMES[TEXT]) or []
        if not tokens or not english_only_may_read(message):
            return
        # Postcodes and places only: the language entity covers the whole message.
        entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") in LOCATION_ENTITIES]
        text = message.get(TEXT) or ""
        in_capitals = text.isupper()
        lemma = lemmas()
        out: List[Token] = []
        changed = False
        for token in tokens:
            words = None
            if correctable(token, in_capitals) and not in_entity(token, entities):
                words = self.speller.correct(token.text.lower())
            if not words:
                out.append(token)
                continue
            changed = True
            for word in words:
                out.append(
                    Token(word, token.start, token.end, data=dict(token.data), lemma=lemma.get(word, word))
                )
        if changed:
            message.set(TOKENS_NAMES[TEXT], out)
            message.set(CORRECTED_TEXT, " ".join(t.text for t in out))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Every training word is taught, so nothing in it is corrected.
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.correct(message)
        return messages

    @classmethod
    def required_packages(cls) -> List[Text]:
        return ["symspellpy"]
