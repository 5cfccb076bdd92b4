"""The REST channel and languages, through the real Rasa server (issue 16).

The client's ``metadata.language`` hint reaches the conversation (and nothing
else the client sends does), answers the start of a chat in that language, and
chooses the words of the channel's own refusals.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Dict, List

import pytest

from bot.runner import Stack
from bot.wording import _, response_text, speaking
from tests.channels.conftest import new_sender, post

pytestmark = pytest.mark.stack


def user_metadata(stack: Stack, sender: str) -> List[Dict[str, Any]]:
    with sqlite3.connect(stack.settings.tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).fetchall()
    added_by_rasa = ("model_id", "assistant_id")
    return [
        {k: v for k, v in json.loads(data)["metadata"].items() if k not in added_by_rasa} for (data,) in rows
    ]


def welsh(key: str) -> str:
    with speaking("cy"):
        text = _(key)
    with speaking("en"):
        assert text != _(key), f"{key} is not translated into Welsh yet"
    return text


def test_the_hint_is_kept_and_answers_the_start_of_a_chat(channel_stack: Stack) -> None:
    sender = new_sender()
    sent = {"channel": "web", "language": "cy", "page": "https://example.org/?postcode=NR2"}
    response = post(channel_stack, {"sender": sender, "message": "hi", "metadata": sent})
    assert response.status_code == 200
    replies = response.json()
    assert replies and all(r["language"] == "cy" for r in replies)
    with speaking("cy"):
        assert replies[0]["text"] == response_text("utter_greet")
    post(channel_stack, {"sender": sender, "message": "ok", "metadata": {"language": "fr"}})
    assert user_metadata(channel_stack, sender) == [
        {"channel": "web", "language": "cy"},
        {"channel": "other"},  # not one of LANGUAGES: dropped
    ]


def test_refusals_are_in_the_hints_language(channel_stack: Stack) -> None:
    not_text = post(channel_stack, {"sender": new_sender(), "message": 5, "metadata": {"language": "cy"}})
    assert not_text.status_code == 400 and not_text.json()[0]["text"] == welsh("refusal.not_text")
    long = post(
        channel_stack, {"sender": new_sender(), "message": "help " * 300, "metadata": {"language": "cy"}}
    )
    assert long.status_code == 200 and long.json()[0]["text"] == welsh("refusal.too_long")
