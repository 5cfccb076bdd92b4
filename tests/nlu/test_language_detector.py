"""The NLU component that says which language a message is in or asks for (bot/nlu/language_detector.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import ENTITIES, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language_detector import LANGUAGE, LanguageDetector, asked_language
from bot.nlu.language_id import SUPPORTED
from bot.nlu.spelling import SpellingCorrector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector({})


def processed(
    detector: LanguageDetector, text: str, entities: Optional[List[Dict[str, Any]]] = None
) -> Message:
    message = Message(data={TEXT: text, ENTITIES: list(entities or [])})
    detector.process([message])
    return message


def language_entity(message: Message) -> Optional[Dict[str, Any]]:
    found = [e for e in message.get(ENTITIES) or [] if e["entity"] == "language"]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.parametrize(
    "text, asked",
    [
        ("in Polish please", "pl"),
        ("po polsku", "pl"),
        ("Cymraeg", "cy"),
        ("yn Gymraeg", "cy"),
        ("українською", "uk"),
        ("بالعربية", "ar"),
        ("اردو میں", "ur"),
        ("em português", "pt"),
        ("em portugues por favor", "pt"),  # without diacritics
        ("în română", "ro"),
        ("IN ROMANA TE ROG", "ro"),
        ("in English please", "en"),
        ("po angielsku proszę", "en"),  # asked in Polish for English
        ("Saesneg os gwelwch yn dda", "en"),
        ("can you speak Welsh", "cy"),
    ],
)
def test_an_explicit_request_sets_the_language_asked_for(
    detector: LanguageDetector, text: str, asked: str
) -> None:
    entity = language_entity(processed(detector, text))
    assert entity is not None and entity["value"] == asked
    assert entity["extractor"] == "LanguageDetector"  # Rasa's from_entity mapping needs an extractor


@pytest.mark.parametrize(
    "text",
    [
        "i need help in urdu",  # a need (a helper who speaks Urdu), not a request to switch
        "is there help in polish near me",
        "Polish or Arabic",  # two languages: which one?
    ],
)
def test_a_language_named_in_a_longer_message_is_not_a_request(text: str) -> None:
    assert asked_language(text, SUPPORTED) is None


def test_the_language_written_in_is_found(detector: LanguageDetector) -> None:
    message = processed(detector, "Gdzie mogę uzyskać pomoc z komputerem?")
    assert language_entity(message)["value"] == "pl" and message.get(LANGUAGE) == "pl"  # type: ignore[index]
    assert language_entity(processed(detector, "where can i get help with my laptop"))["value"] == "en"  # type: ignore[index]


@pytest.mark.parametrize(
    "text",
    ["ok", "NR5", "NR2 4EE", "/greet", "07700 900123", "NHS App", "hiya", "Bom dia", "k thx", "gr8 thx",
     "mujhe laptop chahiye", "NR3 mein madad chahiye"],
)  # fmt: skip
def test_a_message_that_carries_no_language_adds_nothing(detector: LanguageDetector, text: str) -> None:
    """So the slot keeps the conversation's language. "hiya" was taken for Welsh at Lingua's 0.5, "k thx"
    and "gr8 thx" for Welsh, "mujhe laptop chahiye" (Roman Urdu) for English."""
    message = processed(detector, text)
    assert language_entity(message) is None and message.get(LANGUAGE) is None


def test_place_names_found_before_do_not_count(detector: LanguageDetector) -> None:
    text = "Mile Cross"
    place = {"entity": "place", "start": 0, "end": len(text), "value": "Mile Cross", "extractor": "x"}
    assert language_entity(processed(detector, text, [place])) is None


def test_languages_setting_limits_what_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGES", "cy")
    welsh_only = LanguageDetector({})
    assert welsh_only.languages == ["en", "cy"]
    assert language_entity(processed(welsh_only, "po polsku")) is None
    polish = language_entity(processed(welsh_only, "Gdzie mogę uzyskać pomoc z komputerem?"))
    assert polish is None or polish["value"] in ("en", "cy")


def corrected_tokens(text: str, language: Optional[str] = None, hint: Optional[str] = None) -> List[str]:
    tokens, at = [], 0
    for word in text.split(" "):
        tokens.append(Token(word, at, lemma=word.lower()))
        at += len(word) + 1
    message = Message(data={TEXT: text, ENTITIES: [], TOKENS_NAMES[TEXT]: tokens})
    if language:
        message.set(LANGUAGE, language)
    if hint:
        message.set(METADATA, {"language": hint})
    SpellingCorrector({}, None, None, taught=["laptop"]).correct(message)
    return [t.text for t in message.get(TOKENS_NAMES[TEXT])]


def test_the_spelling_corrector_leaves_other_languages_alone() -> None:
    assert corrected_tokens("potrzebuje laptopa", "pl") == ["potrzebuje", "laptopa"]
    assert corrected_tokens("potrzebuje laptopa", None, hint="pl") == ["potrzebuje", "laptopa"]
    assert corrected_tokens("i need a laptp", "en") == ["i", "need", "a", "laptop"]
    assert corrected_tokens("i need a laptp") == ["i", "need", "a", "laptop"]


@pytest.mark.parametrize(
    "text", ["i cnat afford data for my phonne", "hey hey sigpost how do", "nah thaanks"]
)
def test_english_with_typos_is_not_taken_for_welsh(detector: LanguageDetector, text: str) -> None:
    """Lingua reads garbled English as Welsh (0.56, 0.60, 0.67 here): Latin script must be surer (0.7)."""
    entity = language_entity(processed(detector, text))
    assert entity is None or entity["value"] == "en"


def test_the_spelling_corrector_learns_words_from_english_examples_only(
    detector: LanguageDetector, tmp_path: Path
) -> None:
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.training_data import TrainingData

    examples = [
        Message(data={TEXT: "gdzie mogę dostać darmowy laptop w bibliotece", "intent": "get_device"}),
        Message(data={TEXT: "where can i get a free laptop from the library", "intent": "get_device"}),
        Message(data={TEXT: "mujhe library mein laptop chahiye", "intent": "get_device"}),  # Roman Urdu
    ]
    data = TrainingData(examples)
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    detector.process_training_data(data)
    assert [m.get(LANGUAGE) for m in examples] == ["pl", "en", None]
    corrector = SpellingCorrector({}, LocalModelStorage(tmp_path), Resource("spelling"))
    corrector.train(data)
    assert "laptop" in corrector.taught and "bibliotece" not in corrector.taught
    # Taught, "chahiye" would be what an English slip ("chair") is corrected to.
    assert "chahiye" not in corrector.taught and "mujhe" not in corrector.taught


def test_a_message_found_to_be_english_is_still_corrected(detector: LanguageDetector) -> None:
    """The language entity spans the whole message; the corrector must still read its words."""
    text = "how do i become a voluunteer"
    message = processed(detector, text)
    tokens, at = [], 0
    for word in text.split(" "):
        tokens.append(Token(word, at, lemma=word))
        at += len(word) + 1
    message.set(TOKENS_NAMES[TEXT], tokens)
    SpellingCorrector({}, None, None, taught=["volunteer"]).correct(message)
    assert [t.text for t in message.get(TOKENS_NAMES[TEXT])][-1] == "volunteer"
