"""Which language the assistant answers in, and answering in it (issue 16).

Fast: the rule (bot/wording/conversation.py), ``speaking`` for catalogue
pieces, Rasa's response generator (bot/wording/rasa_nlg.py) with a real
Domain and tracker, LANGUAGES, and the REST output marking each message's
language. The catalogues here are written by the tests, so they do not wait
on translators; tests/test_languages_stack.py runs the real ones.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.output import StructuredOutputChannel
from bot.settings import SettingsError, load, parse_languages
from bot.wording import SUPPORTED_LANGUAGES, _, response_text, speaking
from bot.wording.conversation import answer_language, hint_of
from bot.wording.rasa_nlg import TranslatingNLG
from tests.support.catalogues import written_catalogues
from tests.support.event_loop import run

POLISH = {
    "button.talk_to_human": "Porozmawiaj z osobą",
    "response.utter_greet": "Cześć! Pomogę ci znaleźć darmową pomoc.",
    "response.utter_location_noted": "Dzięki, zapamiętam, że jesteś blisko {place}.",
}
DOMAIN = """
version: "3.1"
slots:
  language:
    type: text
    influence_conversation: false
    mappings:
      - type: from_entity
        entity: language
entities:
  - language
responses:
  utter_greet:
    - text: "Hello!"
    - text: "Hello on Telegram!"
      channel: telegram
  utter_location_noted:
    - text: "Thanks, I will remember you are near {place}."
  utter_goodbye:
    - text: "Bye for now."
"""


@pytest.fixture
def polish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with written_catalogues(tmp_path, monkeypatch, {"pl": POLISH}):
        yield


# ---------- the rule ----------


@pytest.mark.parametrize(
    "slot, hint, enabled, expected",
    [
        ("pl", "cy", SUPPORTED_LANGUAGES, "pl"),  # the conversation's language wins over the hint
        (None, "cy", SUPPORTED_LANGUAGES, "cy"),  # the start of a chat: the channel's hint
        (None, None, SUPPORTED_LANGUAGES, "en"),
        ("pl", "cy", ("en", "cy"), "cy"),  # Polish switched off with LANGUAGES
        ("pl", "ar", ("en", "cy"), "en"),
        ("xx", None, SUPPORTED_LANGUAGES, "en"),
    ],
)
def test_answer_language(slot: Optional[str], hint: Optional[str], enabled: Any, expected: str) -> None:
    assert answer_language(slot, hint, enabled) == expected


def test_a_hint_is_two_letters_from_whatever_a_client_sends() -> None:
    assert hint_of({"language": "pt-BR"}) == "pt"
    assert hint_of({"language": "PL"}) == "pl"
    assert [hint_of(m) for m in ({}, None, {"language": 5}, {"language": "x"}, "pl")] == [None] * 5


def test_languages_setting() -> None:
    assert load({}).languages == SUPPORTED_LANGUAGES
    assert parse_languages("cy, PL") == ("en", "cy", "pl")  # English always on
    assert load({"LANGUAGES": "ar"}).languages == ("en", "ar")
    with pytest.raises(SettingsError, match="fr not supported"):
        parse_languages("cy,fr")


# ---------- pieces: speaking ----------


def test_pieces_are_in_the_language_being_spoken_and_english_outside(polish: None) -> None:
    english = _("button.talk_to_human")
    with speaking("pl"):
        assert _("button.talk_to_human") == "Porozmawiaj z osobą"
        assert _("button.something_else") == catalogue_english("button.something_else")  # untranslated
        assert response_text("utter_greet") == POLISH["response.utter_greet"]
        with speaking("en"):
            assert _("button.talk_to_human") == english
        assert _("button.talk_to_human") == "Porozmawiaj z osobą"
    assert _("button.talk_to_human") == english
    with speaking("fr"):  # not a language here: English, never a crash
        assert _("button.talk_to_human") == english


def catalogue_english(key: str) -> str:
    from bot.wording import catalogue

    return catalogue("en").text(key)


def test_each_thread_speaks_its_own_language(polish: None) -> None:
    """The action server answers conversations in parallel threads: one must not switch another's."""
    seen: Dict[str, str] = {}
    inside = threading.Barrier(2)

    def answer(language: str) -> None:
        with speaking(language):
            inside.wait(timeout=10)
            seen[language] = _("button.talk_to_human")

    threads = [threading.Thread(target=answer, args=(code,)) for code in ("pl", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"pl": "Porozmawiaj z osobą", "en": catalogue_english("button.talk_to_human")}


# ---------- whole responses: Rasa's generator ----------


def tracker(language: Optional[str] = None, hint: Optional[str] = None) -> DialogueStateTracker:
    domain = Domain.from_yaml(DOMAIN)
    events: List[Any] = [UserUttered("x", metadata={"language": hint} if hint else {})]
    if language:
        events.append(SlotSet("language", language))
    return DialogueStateTracker.from_events("someone", events, slots=domain.slots)


def generate(
    utter: str, language: Optional[str] = None, hint: Optional[str] = None, channel: str = "rest", **kw: Any
) -> Dict[str, Any]:
    nlg = TranslatingNLG(endpoint_config=None, domain=Domain.from_yaml(DOMAIN), languages=SUPPORTED_LANGUAGES)
    response = run(nlg.generate(utter, tracker(language, hint), channel, **kw))
    assert response is not None
    return response


def test_a_response_is_in_the_conversations_language_with_its_placeholders_filled(polish: None) -> None:
    noted = generate("utter_location_noted", "pl", place="NR3")
    assert noted["text"] == "Dzięki, zapamiętam, że jesteś blisko NR3."
    assert noted["language"] == "pl"
    assert generate("utter_location_noted", None, place="NR3")["text"] == (
        "Thanks, I will remember you are near NR3."
    )


def test_the_hint_counts_until_the_conversation_has_a_language(polish: None) -> None:
    assert generate("utter_greet", None, hint="pl")["text"] == POLISH["response.utter_greet"]
    assert generate("utter_greet", "en", hint="pl")["text"] == "Hello!"


def test_untranslated_responses_and_switched_off_languages_are_english(polish: None) -> None:
    assert generate("utter_goodbye", "pl")["text"] == "Bye for now."
    nlg = TranslatingNLG(endpoint_config=None, domain=Domain.from_yaml(DOMAIN), languages=("en", "cy"))
    off = run(nlg.generate("utter_greet", tracker("pl"), "rest"))
    assert off is not None and off["text"] == "Hello!" and off["language"] == "en"


def test_rasa_still_chooses_the_channels_variation(polish: None) -> None:
    """The translation replaces the chosen variation's text; choosing stays Rasa's (channel, conditions)."""
    assert generate("utter_greet", None, channel="telegram")["text"] == "Hello on Telegram!"
    assert (
        run(TranslatingNLG(domain=Domain.from_yaml(DOMAIN)).generate("utter_unknown", tracker(), "rest"))
        is None
    )


def test_rasa_builds_it_from_endpoints_yml(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa makes a custom generator as nlg_class(endpoint_config=..., domain=...) from endpoints.yml."""
    from rasa.core.nlg.generator import NaturalLanguageGenerator
    from rasa.core.utils import read_endpoints_from_path

    from bot.settings import PROJECT_ROOT

    for path in (PROJECT_ROOT / "endpoints.yml", PROJECT_ROOT / "deploy" / "endpoints.yml"):
        for name in re.findall(r"\$\{([A-Z0-9_]+)\}", path.read_text()):
            monkeypatch.setenv(name, "1")
        endpoints = read_endpoints_from_path(str(path))
        nlg = NaturalLanguageGenerator.create(endpoints.nlg, Domain.from_yaml(DOMAIN))
        assert isinstance(nlg, TranslatingNLG), path


# ---------- the REST channel's output ----------


def collect(channel: StructuredOutputChannel, *messages: Dict[str, Any]) -> List[Dict[str, Any]]:
    async def send() -> None:
        for message in messages:
            await channel.send_response("r", dict(message))

    run(send())
    return channel.messages


def test_every_message_says_its_language() -> None:
    """The generator's language marks the turn's messages; before any, the client's hint."""
    sent = collect(
        StructuredOutputChannel("cy"),
        {"text": "Croeso"},
        {"text": "Cześć", "language": "pl"},
        {"text": "1. Biblioteka", "custom": {"type": "hubs", "hubs": []}},
    )
    assert [m["language"] for m in sent] == ["cy", "pl", "pl"]
