"""The REST channel returns a message's text and its structure together (bot/channels/output.py)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.channels.channel import CollectingOutputChannel

from bot.channels.output import StructuredOutputChannel
from tests.support.event_loop import run

HUBS = {"type": "hubs", "hubs": [{"name": "Library"}]}


def collect(channel: CollectingOutputChannel, *messages: Dict[str, Any]) -> List[Dict[str, Any]]:
    async def send() -> None:
        for message in messages:
            await channel.send_response("r", dict(message))

    run(send())  # in its own thread: Playwright may hold this thread's event loop
    return channel.messages


def test_text_and_its_structure_stay_one_message() -> None:
    listing = {"text": "1. Library\n\n2. Hall", "custom": HUBS, "utter_action": "x", "place": "NR3"}
    assert collect(StructuredOutputChannel(), listing) == [
        {"recipient_id": "r", "text": "1. Library\n\n2. Hall", "custom": HUBS, "language": "en"}
    ]
    # Rasa's own collector cuts them apart: a client could only match the text to guess what it was.
    assert [sorted(m) for m in collect(CollectingOutputChannel(), listing)] == [
        ["recipient_id", "text"],
        ["recipient_id", "text"],
        ["custom", "recipient_id"],
    ]


def test_buttons_travel_with_them() -> None:
    buttons = [{"title": "Talk to a person", "payload": "/talk_to_human"}]
    menu = {"text": "What do you need help with?", "buttons": buttons, "custom": {"type": "menu"}}
    assert collect(StructuredOutputChannel(), menu) == [
        {
            "recipient_id": "r",
            "text": "What do you need help with?",
            "buttons": buttons,
            "custom": {"type": "menu"},
            "language": "en",
        }
    ]


def test_messages_without_structure_are_as_rasa_sends_them() -> None:
    plain = (
        {"text": "Hello\n\nthere"},
        {"text": "Pick", "buttons": [{"title": "A", "payload": "/a"}]},
        {"custom": HUBS},
    )
    marked = collect(StructuredOutputChannel(), *plain)
    assert [m.pop("language") for m in marked] == ["en"] * 4  # every message says its language
    assert marked == collect(CollectingOutputChannel(), *plain)
