"""bot.nlu.spelling: residents' slips are read as the words they meant, and nothing else is touched.

The speller runs on the real symspellpy dictionary; the pipeline test trains a
small Rasa pipeline with the corrector in it, so the tokens the classifier
reads and the text Rasa reports are both checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.spelling import Speller
from tests.support.small_pipeline import parse, train_small


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(["wifi", "ipad", "laptop", "somewhere", "online"])


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("somewere", ["somewhere"]),
        ("oline", ["online"]),
        ("laptp", ["laptop"]),
        ("computr", ["computer"]),
        ("wfii", ["wifi"]),  # a taught word English does not know
        ("wherecan", ["where", "can"]),
        ("athome", ["at", "home"]),
    ],
)
def test_slips_and_run_together_words_are_read_as_meant(speller: Speller, typed: str, meant: list) -> None:
    assert speller.correct(typed) == meant


@pytest.mark.parametrize("word", ["laptop", "ipad", "three", "library", "universal"])
def test_known_words_are_kept(speller: Speller, word: str) -> None:
    assert speller.correct(word) is None


def test_gibberish_too_far_from_any_word_is_kept(speller: Speller) -> None:
    assert speller.correct("qzxvkjwq") is None


PIPELINE = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexEntityExtractor", "use_regexes": True},
    {"name": "bot.nlu.spelling.SpellingCorrector"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "bot.nlu.linear_classifier.LinearIntentClassifier", "C": 10.0},
]
EXAMPLES = {
    "get_device": [
        "i need a laptop",
        "can i get a free tablet",
        "i cant afford a computer",
        "where can i borrow a laptop",
        "laptop please",
        "i want a tablet",
    ],
    "get_connectivity": [
        "i need a free sim",
        "no data on my phone",
        "where can i get free wifi",
        "cant afford broadband",
        "wifi please",
        "free mobile data",
    ],
    "greet": ["hello", "hi there", "good morning", "hey", "hiya", "afternoon"],
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_small(tmp_path_factory.mktemp("spelling"), PIPELINE, EXAMPLES)


def test_misspelt_need_is_understood_and_reported_as_typed(trained: Path) -> None:
    typed = ["i ned a lapptop", "wherecan i get free wfii", "helo"]
    results = parse(trained, typed)
    assert [r["intent"]["name"] for r in results] == ["get_device", "get_connectivity", "greet"]
    # Rasa (and the staff inbox) keep the resident's own words.
    assert [r["text"] for r in results] == typed


def tokens_after_correction(text: str, entities: list) -> list:
    from rasa.nlu.constants import TOKENS_NAMES
    from rasa.nlu.tokenizers.tokenizer import Token
    from rasa.shared.nlu.constants import ENTITIES, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.spelling import SpellingCorrector

    tokens, at = [], 0
    for word in text.split(" "):
        tokens.append(Token(word, at, lemma=word.lower()))
        at += len(word) + 1
    message = Message(data={TEXT: text, ENTITIES: entities, TOKENS_NAMES[TEXT]: tokens})
    SpellingCorrector({}, None, None, taught=["laptop", "near"]).correct(message)  # type: ignore[arg-type]
    return [(t.text, t.lemma) for t in message.get(TOKENS_NAMES[TEXT])]


def test_acronyms_and_place_names_are_left_alone() -> None:
    text = "can the DWP give me a laptp near Catton Gorve"
    place = {"entity": "place", "start": text.index("Catton"), "end": len(text), "value": "Catton Grove"}
    assert tokens_after_correction(text, [place]) == [
        ("can", "can"),
        ("the", "the"),
        ("DWP", "dwp"),
        ("give", "give"),
        ("me", "me"),
        ("a", "a"),
        ("laptop", "laptop"),
        ("near", "near"),
        ("Catton", "catton"),
        ("Gorve", "gorve"),
    ]


@pytest.mark.parametrize(
    "text", ["mera wifi kaam nahi kar raha", "kya aap meri madad kar sakte hain", "mujhe naya laptop chahiye"]
)
def test_roman_urdu_is_left_as_typed(text: str) -> None:
    """Urdu in Latin letters carries no language the detector knows, so nothing stops the corrector
    but the Roman Urdu rule: without it "nahi" was read as "nazi", "madad" as "madam", "mujhe" as "much"."""
    assert [word for word, _ in tokens_after_correction(text, [])] == text.split(" ")


def test_a_message_in_capitals_is_still_corrected_and_lemmatised() -> None:
    assert tokens_after_correction("I NEED LAPTOPPS", []) == [
        ("I", "i"),
        ("NEED", "need"),
        ("laptops", "laptop"),
    ]
