"""tests/nlu/language_holdout_unseen.yml, the held-out file nobody tunes against, stays unseen and usable.

It is only an independent check while none of its messages is trained on, its intents are the
domain's, and every language has enough messages to score. data/nlu is read here by Rasa's own
loader (entity annotations taken out), so a message counts as trained on whatever file it is in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Set

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.needs import SIGNPOSTING_INTENTS
from bot.wording import SUPPORTED_LANGUAGES
from tests.support import language_holdout

ROOT = Path(__file__).resolve().parents[2]
UNSEEN_FILE = ROOT / "tests" / "nlu" / "language_holdout_unseen.yml"
UNSEEN = language_holdout.load(UNSEEN_FILE)
TAGS = language_holdout.TAGS | {"long", "misspelt"}
CONVERSATION = {"greet", "goodbye", "thank", "affirm", "deny", "talk_to_human", "ask_capabilities"}
CONVERSATION |= {"bot_challenge", "out_of_scope"}


def _norm(text: str) -> str:
    """The text up to case, spacing and punctuation ("hiya u ok?" is "Hiya  u ok")."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


@pytest.fixture(scope="module")
def training_texts() -> Set[str]:
    return {_norm(e.get("text")) for e in load_data(str(ROOT / "data" / "nlu")).intent_examples}


def test_no_message_is_trained_on(training_texts: Set[str]) -> None:
    assert len(training_texts) > 1000  # the loader read data/nlu, not nothing
    leaked = sorted(
        m.text for ms in UNSEEN.by_language.values() for m in ms if _norm(m.text) in training_texts
    )
    assert not leaked, f"unseen held-out messages also in data/nlu: {leaked}"


def test_every_intent_is_in_the_domain() -> None:
    domain = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
    unknown = {(code, m.intent) for code, ms in UNSEEN.by_language.items() for m in ms} - {
        (code, i) for code in UNSEEN.by_language for i in domain
    }
    assert not unknown


@pytest.mark.parametrize("code", SUPPORTED_LANGUAGES)
def test_each_language_has_enough_messages_with_known_tags(code: str) -> None:
    messages = UNSEEN.by_language.get(code, [])
    assert len(messages) >= (80 if code == "en" else 40)
    assert len({_norm(m.text) for m in messages}) == len(messages), "a message is there twice"
    assert all(m.tags <= TAGS for m in messages), {m.text: m.tags - TAGS for m in messages}


@pytest.mark.parametrize("code", [c for c in SUPPORTED_LANGUAGES if c != "en"])
def test_each_language_covers_every_need_and_the_conversation(code: str) -> None:
    messages = UNSEEN.by_language[code]
    intents = [m.intent for m in messages]
    assert not (SIGNPOSTING_INTENTS | CONVERSATION) - set(intents)
    assert intents.count("out_of_scope") >= 4
    assert sum(len(m.text.split()) <= 3 for m in messages) >= 8, "too few one- to three-word messages"
    assert sum("long" in m.tags for m in messages) >= 8, "too few long messages"


def test_english_targets_where_english_missed() -> None:
    english = UNSEEN.by_language["en"]
    assert sum("long" in m.tags for m in english) >= 20
    assert sum(len(m.text.split()) <= 3 and m.intent != "inform_location" for m in english) >= 20
    places = [m for m in english if m.intent == "inform_location"]
    assert sum("misspelt" in m.tags for m in places) >= 20
    assert sum("misspelt" not in m.tags for m in places) >= 20


def test_roman_urdu_is_there() -> None:
    assert sum("roman" in m.tags for m in UNSEEN.by_language["ur"]) >= 10
    assert UNSEEN.no_language


def test_no_message_is_also_in_the_first_held_out_file() -> None:
    """The two held-out files are written apart; a message in both would be scored twice."""
    first = {_norm(m.text) for ms in language_holdout.load().by_language.values() for m in ms}
    assert not sorted(m.text for ms in UNSEEN.by_language.values() for m in ms if _norm(m.text) in first)
