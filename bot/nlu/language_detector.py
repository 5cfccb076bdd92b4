"""Rasa component: which language a message is written in, or asks for, as a ``language`` entity.

The conversation's language is the language the resident writes in, kept for
messages that carry none ("ok", "NR5", a button): so the entity is added only
when a message carries a language, and the ``language`` slot (from_entity)
keeps its value otherwise. The answer in each turn is chosen by
``bot.wording.conversation.answer_language``.

Two ways a message carries a language:

1. It asks for one: "in Polish please", "po polsku", "Cymraeg", "yn Gymraeg",
   "українською", "بالعربية", "اردو میں", "em português", "in English please".
   A message that is only a language's name (in any of the eight languages)
   and words of asking ("please", "speak", "in", "proszę", "mewn"...) sets the
   ASKED language, not the one it is written in.
2. Otherwise it is written in one: ``bot.nlu.language_id.detect`` over the
   text without the postcodes and place names the location extractor found.
   A one- or two-word message in Latin letters must be surer (``short_minimum_confidence``):
   on the held-out files, at Lingua's 0.5 such messages were 56 right and 5 wrong ("hiya" taken
   for Welsh, "Tchau" for Welsh); at 0.8, 45 right and none wrong. Any message in Latin letters
   must be surer than one in another script (``latin_minimum_confidence``): English with a typo
   in each message ("i wnt to tslk to soeone real") was taken for Welsh or Romanian 19 times in
   398 at 0.5, 7 at 0.7, where the Latin-script held-out messages of the other languages
   went from 156 to 141 found (none switched wrongly: a missed one keeps the conversation's
   language).

The code is also set on the message as ``language`` (not in Rasa's output), so
English-only steps after this one (the spelling corrector) skip a message in
another language. Place after the location extractor.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, Iterable, List, Optional, Sequence, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import language_id
from bot.nlu.rule_component import RuleComponent

ENTITY = "language"
# Set on the message for later components: the language it is written in or asks for, or absent.
LANGUAGE = "language"
METADATA_HINT = "language"  # a channel's hint in the message metadata (the widget's picker, Telegram)
SHORT_WORDS = 2

# Each language's name as residents write it in each of the eight languages (any case, with or
# without diacritics: compared after _plain()).
# fmt: off
NAMES: Dict[str, Tuple[str, ...]] = {
    "en": (
        "english", "saesneg", "angielsku", "angielski", "engleza", "englezeste", "англійською",
        "англійська", "англійськой", "الانجليزية", "بالانجليزية", "بالانجليزي", "انجليزي", "انگریزی",
        "انگلش", "ingles",
    ),
    "cy": (
        "welsh", "cymraeg", "gymraeg", "nghymraeg", "walijsku", "walijski", "galeza", "валлійською",
        "валлійська", "الويلزية", "بالويلزية", "ویلش", "gales",
    ),
    "pl": (
        "polish", "polski", "polsku", "pwyleg", "poloneza", "польською", "польська", "البولندية",
        "بالبولندية", "پولش", "پولستانی", "polaco", "polones",
    ),
    "ro": (
        "romanian", "romana", "romaneste", "rwmaneg", "rumunsku", "rumunski", "румунською", "румунська",
        "الرومانية", "بالرومانية", "رومانیائی", "romeno",
    ),
    "uk": (
        "ukrainian", "wcraineg", "ukrainsku", "ukrainski", "ucraineana", "ucraineste", "українською",
        "українська", "по-українськи", "украинский", "الاوكرانية", "بالاوكرانية", "یوکرینی", "ucraniano",
    ),
    "ar": (
        "arabic", "arabeg", "arabsku", "arabski", "araba", "arabeste", "арабською", "арабська", "عربي",
        "بالعربي", "العربية", "بالعربية", "عربی", "arabe",
    ),
    "ur": (
        "urdu", "wrdw", "урду", "الاردية", "بالاردية", "اردو", "اُردو",
    ),
    "pt": (
        "portuguese", "portiwgaleg", "portugalsku", "portugalski", "portugheza", "portugheze",
        "португальською", "португальська", "البرتغالية", "بالبرتغالية", "پرتگالی", "portugues",
    ),
}
# Words of asking that may stand beside a language's name ("can you speak Polish please").
ASKING = (
    # English
    "please pls plz can could would will you u speak talk write reply answer chat in the language switch "
    "change to i want prefer do use me with let lets let's us we this ok okay now only and "
    # Welsh
    "yn os gwelwch dda plis siarad ysgrifennu iaith ga i gaf fi mewn "
    # Polish
    "po proszę prosze mów mow mowic mówić pisz pisać pisac czy możesz mozesz w języku jezyku chcę chce "
    "rozmawiać rozmawiac "
    # Romanian
    "în te rog să sa scrii vă va vorbește vorbeste vorbiti vorbiți scrie limba "
    "pot poți poti puteți puteti vreau "
    # Ukrainian
    "будь ласка говоріть говори пишіть пиши мовою мова можна можете хочу "
    # Arabic
    "من فضلك لو سمحت تكلم تحدث اكتب الكتابة باللغة اللغة اريد هل يمكنك "
    # Urdu
    "میں براہ کرم بات کریں کرو کر سکتے ہیں لکھیں زبان مجھے چاہیے کیا آپ "
    # Portuguese
    "em por favor fale falar escreva escrever pode língua lingua quero "
    # Roman Urdu
    "mein main mai"
).split()
# fmt: on


def _plain(text: str) -> str:
    """Lower case without diacritics or Arabic-script marks, so "Română", "romana" and "ROMÂNĂ" match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_NAME_OF = {_plain(name): code for code, names in NAMES.items() for name in names}
_ASKING = frozenset(_plain(word) for word in ASKING)
_WORD_RE = re.compile(r"[\w'’-]+")


def asked_language(text: str, languages: Sequence[str]) -> Optional[Tuple[str, int, int]]:
    """The configured language a message asks for and where its name is, when the message is only
    a language's name and words of asking; else None."""
    found: List[Tuple[str, int, int]] = []
    for match in _WORD_RE.finditer(text):
        word = _plain(match.group()).strip("'’-")
        if not word:
            continue
        code = _NAME_OF.get(word)
        if code is not None:
            found.append((code, match.start(), match.end()))
        elif word not in _ASKING:
            return None
    codes = {code for code, _, _ in found}
    if len(codes) != 1 or found[0][0] not in languages:
        return None
    return found[0]


def _is_latin(text: str) -> bool:
    return all(unicodedata.name(c, "").startswith("LATIN") for c in text if c.isalpha())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(RuleComponent, EntityExtractorMixin):
    """Adds a ``language`` entity (an ISO 639-1 code) to a message that asks for or is in a language."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # languages: the ones detection may answer; the LANGUAGES setting (bot.settings) limits the
        # answers further at run time, so a council can switch one off without retraining.
        return {
            "languages": list(language_id.SUPPORTED),
            "minimum_confidence": language_id.DEFAULT_MINIMUM_CONFIDENCE,
            "latin_minimum_confidence": 0.7,
            "short_minimum_confidence": 0.8,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        from bot.settings import load

        enabled = set(load().languages)
        self.languages = [code for code in self._config["languages"] if code in enabled] or ["en"]
        language_id.confidences("warm up", self.languages)  # Lingua's models load now, not in a turn

    def language(self, text: str, ignore: Iterable[Tuple[int, int]] = ()) -> Optional[Tuple[str, int, int]]:
        """(code, start, end) of the language ``text`` asks for or is written in, or None."""
        asked = asked_language(text, self.languages)
        if asked is not None:
            return asked
        ignore = list(ignore)
        left = language_id.language_text(text, ignore)
        minimum = self._config["minimum_confidence"]
        if _is_latin(left):
            short = len(left.split()) <= SHORT_WORDS
            latin = self._config["short_minimum_confidence" if short else "latin_minimum_confidence"]
            minimum = max(minimum, latin)
        code = language_id.detect(text, self.languages, minimum, ignore)
        return (code, 0, len(text)) if code else None

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = message.get(ENTITIES) or []
            places = [(e["start"], e["end"]) for e in entities if e.get("entity") != ENTITY]
            found = self.language(text, places)
            if found is None:
                continue
            code, start, end = found
            entity = {"entity": ENTITY, "start": start, "end": end, "value": code}
            message.set(LANGUAGE, code)
            message.set(
                ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name([entity]), add_to_output=True
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Each training example's language, for English-only steps (the spelling corrector learns
        its words only from English examples); no entity is added (examples carry their own)."""
        for message in training_data.training_examples:
            text = message.get(TEXT) or ""
            places = [(e["start"], e["end"]) for e in message.get(ENTITIES) or []]
            found = self.language(text, places) if text else None
            if found is not None:
                message.set(LANGUAGE, found[0])
        return training_data

    @classmethod
    def required_packages(cls) -> List[Text]:
        return ["lingua"]


def hint_of(message: Message) -> Optional[str]:
    """The channel's language hint in the message's metadata (``metadata.language``), if any."""
    metadata = message.get(METADATA) or {}
    hint = metadata.get(METADATA_HINT) if isinstance(metadata, dict) else None
    return hint if isinstance(hint, str) else None


def english_only_may_read(message: Message) -> bool:
    """False for a message in another language, one that carries none from a chat in another
    language (the channel's hint), or one in Roman Urdu (which carries none: no detector knows it):
    an English-only step (spelling) must leave it alone, or it "corrects" Urdu into English words."""
    if message.get(LANGUAGE) == "en":
        return True
    if (message.get(LANGUAGE) or hint_of(message)) not in (None, "en"):
        return False
    others = [(e["start"], e["end"]) for e in message.get(ENTITIES) or [] if e.get("entity") != ENTITY]
    return not language_id.is_roman_urdu(message.get(TEXT) or "", ignore=others)
