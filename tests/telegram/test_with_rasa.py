"""The Telegram bridge end to end: real PTB client, fake Bot API, real Rasa with the trained model."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Awaitable, Callable, List

import pytest
from sqlalchemy import text

from bot.conversations import forget_through_rasa, tracker_engine
from bot.runner import Stack
from bot.telegram.rasa_client import RasaClient
from bot.telegram.settings import sender_id
from bot.wording import _, response_text, speaking
from tests.support.event_loop import run
from tests.support.fake_bot_api import Call, FakeBotAPI
from tests.support.telegram_bridge import SECRET_KEY, bridge, say, with_buttons

pytestmark = pytest.mark.stack


def events_of(stack: Stack, chat_id: int) -> int:
    engine = tracker_engine(Path(stack.settings.tracker_db))
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": sender_id(SECRET_KEY, chat_id)}
        ).scalar_one()


def connect(fake: FakeBotAPI, stack: Stack):
    engine = tracker_engine(Path(stack.settings.tracker_db))
    return bridge(
        fake,
        stack.settings,
        RasaClient(stack.rasa_url, timeout=30),
        forget=lambda s: forget_through_rasa(stack.rasa_url, stack.token, s, engine),
        rasa_timeout=30,
    )


def talk(stack: Stack, scenario: Callable[[FakeBotAPI], Awaitable[None]]) -> None:
    """``scenario`` on a fresh fake Bot API, the bridge between it and ``stack``'s Rasa."""

    async def connected() -> None:
        async with FakeBotAPI() as fake, connect(fake, stack):
            await scenario(fake)

    run(connected())


def asked_for_location(calls: List[Call]) -> bool:
    return any(
        c.method == "sendMessage"
        and "Where are you?" in c.params["text"]
        and c.params.get("reply_markup", {}).get("keyboard", [[{}]])[0][0].get("request_location")
        for c in calls
    )


def test_need_to_venue_pin_and_button_tap(stack: Stack) -> None:
    chat = 7100001

    async def scenario(fake: FakeBotAPI) -> None:
        calls = await say(fake, chat, "i cant afford a laptop")
        assert asked_for_location(calls)
        calls = await say(fake, chat, "NR3 2AB", until="sendVenue")
        venues = fake.sent(chat, "sendVenue")
        assert venues and all(v.params["title"] and "NR" in v.params["address"] for v in venues)
        assert all(52 < v.params["latitude"] < 53 and 1 < v.params["longitude"] < 2 for v in venues)
        sent = [c for c in fake.sent(chat) if c.method in ("sendMessage", "sendVenue")]
        question = next(i for i, c in enumerate(sent) if asked_for_location([c]))
        # The first reply after the question takes "Share my location" away.
        assert sent[question + 1].params["reply_markup"] == {"remove_keyboard": True}
        results, answered = with_buttons(calls), len(fake.texts(chat))
        fake.tap(results, "Talk to a person")
        await fake.wait_for_calls(chat, answered + 1, "sendMessage", timeout=60)
        await fake.quiet(0.5)
        assert "0344 980 3333" in fake.texts(chat)[-1], [
            (c.method, c.params.get("text")) for c in fake.calls[-6:]
        ]
        assert fake.sent(method="answerCallbackQuery")
        assert fake.sent(chat, "editMessageText")[0].params["text"].endswith("✅ Talk to a person")

    talk(stack, scenario)


def test_shared_location_finds_hubs_without_postcode(stack: Stack) -> None:
    chat = 7100002

    async def scenario(fake: FakeBotAPI) -> None:
        assert asked_for_location(await say(fake, chat, "i need a free sim card"))
        fake.send_location(chat, 52.6309, 1.2974)  # Norwich city centre
        venues = await fake.wait_for_calls(chat, 1, "sendVenue", timeout=60)
        assert venues[0].params["title"]
        assert "Here" in "\n".join(fake.texts(chat))

    talk(stack, scenario)


def test_forget_really_deletes_the_tracker(stack: Stack) -> None:
    chat = 7100003

    async def scenario(fake: FakeBotAPI) -> None:
        await say(fake, chat, "i need a free sim near NR2 4EE", until="sendVenue")
        assert events_of(stack, chat) > 0
        await say(fake, chat, "/forget")
        assert events_of(stack, chat) == 0
        assert "deleted this conversation" in fake.texts(chat)[-1]
        await say(fake, chat, "hello")  # starts fresh and still works
        assert 0 < events_of(stack, chat)

    talk(stack, scenario)


def test_sticker_gets_a_friendly_reply(stack: Stack) -> None:
    chat = 7100004

    async def scenario(fake: FakeBotAPI) -> None:
        fake.send_sticker(chat)
        await fake.wait_for_calls(chat, 1, "sendMessage")
        assert fake.texts(chat) == [_("telegram.ask_for_text")]
        await say(fake, chat, "i need a free sim near NR2 4EE", until="sendVenue")

    talk(stack, scenario)


def test_rasa_stopped_mid_conversation(stack: Stack) -> None:
    """Rasa goes away after the question: one apology, nothing twice; back again, the chat carries on."""
    chat = 7100005

    async def scenario(fake: FakeBotAPI) -> None:
        assert asked_for_location(await say(fake, chat, "i cant afford a laptop"))
        await asyncio.to_thread(stack.rasa.stop)
        try:
            answered = len(fake.texts(chat))
            await say(fake, chat, "NR3 2AB")
            assert len(fake.texts(chat)) == answered + 1
            assert "try again in a minute" in fake.texts(chat)[-1] and "0344 980 3333" in fake.texts(chat)[-1]
        finally:
            await asyncio.to_thread(stack.rasa.start)
            await asyncio.to_thread(stack.wait_healthy, 180, [stack.rasa])
        await say(fake, chat, "NR3 2AB", until="sendVenue", timeout=90)
        assert fake.sent(chat, "sendVenue")

    talk(stack, scenario)


def test_a_residents_telegram_language_answers_until_they_write_in_another(stack: Stack) -> None:
    """language_code "pl" is the hint: "hi" (no language of its own) is answered in Polish, the bridge's
    own words too; a message in English then makes the conversation English."""
    chat = 7100009
    with speaking("pl"):
        polish_greeting, polish_ask_for_text = response_text("utter_greet"), _("telegram.ask_for_text")
    assert polish_greeting != response_text("utter_greet"), "utter_greet is not translated into Polish yet"

    async def scenario(fake: FakeBotAPI) -> None:
        fake.send_text(chat, "hi", language_code="pl")
        await fake.wait_for_calls(chat, 1, "sendMessage")
        await fake.quiet(0.7)
        assert polish_greeting in fake.texts(chat)
        fake.send_sticker(chat)
        await fake.wait_for(lambda: polish_ask_for_text in fake.texts(chat))
        fake.send_text(chat, "where can i get help with my computer", language_code="pl")
        await fake.wait_for(lambda: any("Where are you?" in t for t in fake.texts(chat)))

    talk(stack, scenario)
