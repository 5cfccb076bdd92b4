"""Actions answer in the conversation's language: their pieces, buttons and the apology (actions/base.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.base import SignpostAction
from actions.conversation import ActionWhatICanDo
from actions.safety import Events
from bot.wording import _
from tests.actions.conftest import run, tracker
from tests.support.catalogues import written_catalogues

POLISH = {"button.talk_to_human": "Porozmawiaj z osobą", "apology": "Przepraszam. {contact}"}


class Failing(SignpostAction):
    NAME = "action_failing_for_a_test"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> Events:
        raise RuntimeError("a fault")


def titles(messages: List[Dict[str, Any]]) -> List[str]:
    return [b["title"] for m in messages for b in m.get("buttons") or []]


@pytest.fixture
def polish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with written_catalogues(tmp_path, monkeypatch, {"pl": POLISH}):
        yield


def test_buttons_are_in_the_conversations_language(ctx: context.Context, polish: None) -> None:
    english = _("button.talk_to_human")
    in_polish, _events = run(ActionWhatICanDo(), tracker(slots={"language": "pl"}))
    assert "Porozmawiaj z osobą" in titles(in_polish.messages)
    from_hint, _events = run(ActionWhatICanDo(), tracker(metadata={"language": "pl"}))
    assert "Porozmawiaj z osobą" in titles(from_hint.messages)  # no language yet: the channel's hint
    plain, _events = run(ActionWhatICanDo(), tracker(slots={"language": "en"}, metadata={"language": "pl"}))
    assert english in titles(plain.messages) and _("button.talk_to_human") == english


def test_the_apology_is_in_the_conversations_language(ctx: context.Context, polish: None) -> None:
    dispatcher, events = run(Failing(), tracker(slots={"language": "pl"}))
    assert events == [] and dispatcher.messages[0]["text"].startswith("Przepraszam. ")


def test_numbers_lists_and_language_names_follow_the_conversation() -> None:
    """They were written with the English locale inside a Polish answer ("help in Polish or Ukrainian")."""
    from actions.formatting import access_words, miles
    from bot.wording import speaking

    with speaking("pl"):
        polish = access_words([], ["pl", "uk"])
        assert "polski" in polish and "ukraiński" in polish and "Polish" not in polish
        assert "1,5" in miles(1.5)
    assert access_words([], ["pl", "uk"]).endswith("Polish or Ukrainian")
