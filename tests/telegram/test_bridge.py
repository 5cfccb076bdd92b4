"""The real python-telegram-bot Application against the fake Bot API, with a scripted Rasa.

Fast (no model): commands, non-text messages, long replies, ordering per chat,
Rasa failures, /forget and webhook secrets. test_with_rasa.py repeats the
important paths with the real Rasa server.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, Callable, Dict, List

import httpx
import pytest
from telegram.ext import AIORateLimiter

from bot.channels.refusals import TOO_MANY
from bot.runner import free_port
from bot.settings import load
from bot.telegram.app import MAX_WAITING_PER_CHAT
from bot.telegram.settings import sender_id
from bot.wording import _
from tests.support.catalogues import written_catalogues
from tests.support.event_loop import run
from tests.support.fake_bot_api import FakeBotAPI
from tests.support.telegram_bridge import SECRET_KEY, ScriptedRasa, bridge

# The bridge's own words, in English (no language_code, no language from Rasa).
ASK_FOR_TEXT = _("telegram.ask_for_text")
EDITED = _("telegram.edited")
EXPIRED_BUTTON = _("telegram.expired_button")
BUSY = _("telegram.busy")
BUSY_SHORT = _("telegram.busy_short")

CHAT = 5550001


@pytest.fixture
def settings(tmp_path: Path):
    return load({"SIGNPOST_VAR_DIR": str(tmp_path), "CONTACT_PHONE": "01603 000000"})


def echo(text: str) -> List[Dict[str, Any]]:
    return [{"text": f"echo: {text}"}]


def test_start_help_privacy_and_commands_registered(settings) -> None:
    rasa = ScriptedRasa(echo)

    async def scenario() -> None:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client()) as application:
            for command in ("/start", "/help", "/privacy"):
                fake.send_text(CHAT, command)
            await fake.wait_for_calls(CHAT, 3, "sendMessage")
            assert isinstance(application.bot.rate_limiter, AIORateLimiter)
            commands = fake.sent(method="setMyCommands")[0].params["commands"]
            assert [c["command"] for c in commands] == ["start", "help", "privacy", "forget"]
            assert fake.sent(method="deleteWebhook"), "polling must clear a webhook first"
            welcome, help_text, privacy = fake.texts(CHAT)
            assert (
                "laptop" in welcome
                and fake.sent(CHAT, "sendMessage")[0].params["reply_markup"]["inline_keyboard"]
            )
            assert "postcode" in help_text and "01603 000000" in help_text
            assert "30 days" in privacy and "/forget" in privacy

    run(scenario())
    assert rasa.received == []  # commands are answered without Rasa


def test_stickers_photos_voice_documents_and_edits_get_a_friendly_reply(settings) -> None:
    rasa = ScriptedRasa(echo)

    async def scenario() -> None:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client()):
            fake.send_sticker(CHAT)
            fake.send_photo(CHAT)
            fake.send_voice(CHAT)
            fake.send_document(CHAT)
            fake.edit_text(CHAT, "i need a laptop actually")
            fake.send_text(CHAT, "/nonsense")
            fake.send_text(CHAT, "hello")
            await fake.wait_for_calls(CHAT, 7, "sendMessage")
            await fake.quiet(0.3)
            texts = fake.texts(CHAT)
            assert texts[:4] == [ASK_FOR_TEXT] * 4
            assert texts[4] == EDITED
            assert "/help" in texts[5]
            assert texts[6] == "echo: hello"  # and the bot still works afterwards

    run(scenario())
    assert [m["message"] for m in rasa.received] == ["hello"]


def test_long_reply_is_split_and_buttons_sit_on_the_last_part(settings) -> None:
    long_text = "\n\n".join(f"Paragraph {i}. " + "help " * 200 for i in range(10))
    rasa = ScriptedRasa(
        lambda text: [
            {"text": long_text, "buttons": [{"title": "Talk to a person", "payload": "/talk_to_human"}]}
        ]
    )

    async def scenario() -> None:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client()):
            fake.send_text(CHAT, "tell me everything")
            await fake.quiet(0.5)
            sent = fake.sent(CHAT, "sendMessage")
            assert len(sent) == 3 and all(len(c.params["text"]) <= 4096 for c in sent)
            assert [("reply_markup" in c.params) for c in sent] == [False, False, True]
            assert all(c.params["text"].startswith("Paragraph") for c in sent)

    run(scenario())


def test_button_tap_answers_marks_and_sends_full_payload_once(settings) -> None:
    long_payload = '/inform{"need": "get_device", "note": "' + "x" * 80 + '"}'
    buttons = [
        {"title": "Get a device", "payload": long_payload},
        {"title": "Talk to a person", "payload": "/talk_to_human"},
    ]
    rasa = ScriptedRasa(
        lambda text: [{"text": "What do you need?", "buttons": buttons}] if text == "menu" else echo(text)
    )

    async def scenario() -> None:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client()) as application:
            fake.send_text(CHAT, "menu")
            menu = (await fake.wait_for_calls(CHAT, 1, "sendMessage"))[0]
            data = [b["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row]
            assert all(len(d.encode()) <= 64 for d in data)
            fake.tap(menu, "Get a device")
            fake.tap(menu, "Talk to a person")  # a quick second tap on the same keyboard
            await fake.wait_for_calls(CHAT, 2, "sendMessage")
            await fake.quiet(0.5)
            assert len(fake.sent(method="answerCallbackQuery")) == 2
            edit = fake.sent(CHAT, "editMessageText")[0].params
            assert edit["text"].endswith("✅ Get a device") and "reply_markup" not in edit
            assert fake.texts(CHAT)[1] == f"echo: {long_payload}"
            # A button from before a restart (unknown key) asks the resident to type instead.
            fake.send_text(CHAT, "menu")
            menu = (await fake.wait_for_calls(CHAT, 3, "sendMessage"))[2]
            application.bot_data["signpost"].payloads._by_key.clear()
            fake.tap(menu, "Get a device")
            await fake.wait_for_calls(CHAT, 4, "sendMessage")
            assert fake.texts(CHAT)[3] == EXPIRED_BUTTON

    run(scenario())
    assert [m["message"] for m in rasa.received] == ["menu", long_payload, "menu"]


def test_location_keyboard_shared_location_and_venues(settings) -> None:
    ask = "Where are you? Send me your postcode, like NR2 4EE, or the name of your area."
    hubs = {
        "type": "hubs",
        "hubs": [
            {
                "name": "Millennium Library",
                "address": "The Forum",
                "postcode": "NR2 1TF",
                "latitude": 52.6277,
                "longitude": 1.2918,
            }
        ],
    }

    def replies(text: str) -> List[Dict[str, Any]]:
        if text.startswith("/inform_location"):
            return [{"text": "Here is the nearest place"}, {"custom": hubs}]
        return [{"text": ask, "custom": {"type": "ask_location"}}]

    rasa = ScriptedRasa(replies)

    async def scenario() -> None:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client()):
            fake.send_text(CHAT, "i need a laptop")
            asked = (await fake.wait_for_calls(CHAT, 1, "sendMessage"))[0]
            button = asked.params["reply_markup"]["keyboard"][0][0]
            assert button["request_location"] is True and "location" in button["text"]
            fake.send_location(CHAT, 52.628123, 1.292456)
            venue = (await fake.wait_for_calls(CHAT, 1, "sendVenue"))[0].params
            assert venue["title"] == "Millennium Library" and venue["address"] == "The Forum, NR2 1TF"
            assert (venue["latitude"], venue["longitude"]) == (52.6277, 1.2918)
            reply = fake.sent(CHAT, "sendMessage")[1].params
            assert reply["reply_markup"] == {"remove_keyboard": True}

    run(scenario())
    sent = rasa.received[1]["message"]
    assert sent.startswith("/inform_location")
    assert json.loads(sent[len("/inform_location") :]) == {"latitude": 52.628, "longitude": 1.292}


def test_chats_in_parallel_each_chat_in_order(settings) -> None:
    rasa = ScriptedRasa(echo)
    rasa.delay = 0.2

    async def scenario() -> float:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client(), rate_limit=0) as application:
            chats = [CHAT + i for i in range(10)]
            start = asyncio.get_running_loop().time()
            for n in range(3):
                for chat in chats:
                    fake.send_text(chat, f"message {n}")
            await fake.wait_for(lambda: len(fake.sent(method="sendMessage")) >= 30, timeout=20)
            elapsed = asyncio.get_running_loop().time() - start
            for chat in chats:
                assert fake.texts(chat) == [f"echo: message {n}" for n in range(3)]
            await asyncio.sleep(0.2)  # the last handlers return just after their last send
            assert application.update_processor._locks == {}  # idle chats leave no lock behind
            return elapsed

    elapsed = run(scenario())
    # 30 messages x 0.2 s would take 6 s one by one; 10 chats in parallel take about 3 x 0.2 s.
    assert elapsed < 3


@pytest.mark.parametrize("failure", ["down", "500", "slow"])
def test_rasa_failure_apologises_once_then_recovers(settings, failure: str, caplog) -> None:
    rasa = ScriptedRasa(echo)

    async def scenario() -> None:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client(timeout=0.5)):
            rasa.down, rasa.status, rasa.delay = failure == "down", 500 if failure == "500" else 200, 0
            if failure == "slow":
                rasa.delay = 1.5
            fake.send_text(CHAT, "private words about my debts")
            await fake.wait_for_calls(CHAT, 1, "sendMessage")
            await fake.quiet(0.5)
            assert len(fake.texts(CHAT)) == 1
            assert "try again in a minute" in fake.texts(CHAT)[0] and "01603 000000" in fake.texts(CHAT)[0]
            rasa.down, rasa.status, rasa.delay = False, 200, 0
            fake.send_text(CHAT, "hello again")
            await fake.wait_for_calls(CHAT, 2, "sendMessage")
            await fake.quiet(0.3)
            assert fake.texts(CHAT)[1:] == ["echo: hello again"]

    with caplog.at_level(logging.DEBUG, logger="bot.telegram"):
        run(scenario())
    assert "debts" not in caplog.text  # logs carry ids and timings, not what residents wrote
    sent_to_rasa = [m["message"] for m in rasa.received]
    assert sent_to_rasa.count("private words about my debts") == (0 if failure == "down" else 1)


def test_forget_deletes_this_chat_only_and_starts_fresh(settings) -> None:
    rasa = ScriptedRasa(echo)
    forgotten: List[str] = []

    def forget(sender: str) -> int:
        forgotten.append(sender)
        return 3

    async def scenario() -> None:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client(), forget=forget):
            fake.send_text(CHAT, "hello")
            fake.send_text(CHAT, "/forget")
            fake.send_text(CHAT + 1, "hello")
            await fake.wait_for_calls(CHAT, 2, "sendMessage")
            await fake.wait_for_calls(CHAT + 1, 1, "sendMessage")
            confirm = fake.sent(CHAT, "sendMessage")[1].params
            assert (
                "deleted this conversation" in confirm["text"] and confirm["reply_markup"]["inline_keyboard"]
            )

    run(scenario())
    senders = {m["sender"] for m in rasa.received}
    assert len(senders) == 2 and all(s.startswith("tg-") and str(CHAT) not in s for s in senders)
    assert forgotten == [rasa.received[0]["sender"]]


def test_webhook_rejects_wrong_or_missing_secret(settings) -> None:
    rasa = ScriptedRasa(echo)
    port = free_port()

    async def scenario() -> None:
        async with (
            FakeBotAPI() as fake,
            bridge(
                fake,
                settings,
                rasa.client(),
                mode="webhook",
                webhook_listen="127.0.0.1",
                webhook_port=port,
                webhook_url="https://bot.example.org/telegram/webhook",
                webhook_secret="right-secret",
            ),
        ):
            set_webhook = fake.sent(method="setWebhook")[0].params
            assert set_webhook["secret_token"] == "right-secret"
            assert set_webhook["url"] == "https://bot.example.org/telegram/webhook"
            url = f"http://127.0.0.1:{port}/telegram/webhook"
            update = {"update_id": 77, "message": fake.message(CHAT, "hello")}
            async with httpx.AsyncClient() as client:
                missing = await client.post(url, json=update)
                wrong = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
                )
                await asyncio.sleep(0.5)
                assert (missing.status_code, wrong.status_code) == (403, 403)
                assert fake.sent(CHAT) == [] and rasa.received == []
                right = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "right-secret"}
                )
                assert right.status_code == 200
            await fake.wait_for_calls(CHAT, 1, "sendMessage")
            assert fake.texts(CHAT) == ["echo: hello"]
            assert fake.get_updates_calls == 0  # webhook mode does not poll

    run(scenario())


class HeldRasa(ScriptedRasa):
    """Holds the messages ``held`` picks until released: replies that take a long time."""

    def __init__(self, held: Callable[[Dict[str, Any]], bool], replies: Any = echo) -> None:
        super().__init__(replies)
        self.held = held
        self.release = asyncio.Event()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.held(json.loads(request.content)):
            await self.release.wait()
        return await super().handle(request)


def test_a_flood_from_one_chat_does_not_stall_the_others(settings) -> None:
    """256 forwarded messages from one chat used to fill every concurrent-update slot."""
    flooder, other = CHAT, CHAT + 1
    flooder_id = sender_id(SECRET_KEY, flooder)
    rasa = HeldRasa(lambda body: body["sender"] == flooder_id)

    async def scenario() -> None:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client(timeout=60)) as application:
            for n in range(260):
                fake.send_text(flooder, f"forwarded {n}")
            fake.send_text(other, "hello")
            try:
                # Answered while the flooding chat's first reply is still held (it would wait forever).
                await fake.wait_for_calls(other, 1, "sendMessage", timeout=30)
            finally:
                rasa.release.set()  # else shutting down would wait for the held replies for ever
            assert fake.texts(other) == ["echo: hello"]
            assert fake.texts(flooder) == [BUSY]  # told once, not 256 times
            await fake.wait_for_calls(flooder, 1 + 1 + MAX_WAITING_PER_CHAT, "sendMessage", timeout=30)
            await fake.quiet(0.5)
            assert fake.texts(flooder) == [BUSY] + [
                f"echo: forwarded {n}" for n in range(1 + MAX_WAITING_PER_CHAT)
            ]
            assert application.update_processor._locks == {}
            # Once answered, the chat is an ordinary chat again.
            fake.send_text(flooder, "thanks")
            await fake.wait_for_calls(flooder, 1 + 1 + MAX_WAITING_PER_CHAT + 1, "sendMessage", timeout=30)
            assert fake.texts(flooder)[-1] == "echo: thanks"

    run(scenario())
    flooded = [m["message"] for m in rasa.received if m["sender"] == flooder_id]
    assert flooded == [f"forwarded {n}" for n in range(1 + MAX_WAITING_PER_CHAT)] + ["thanks"]


def test_a_busy_chat_tapping_a_button_hears_it_is_busy(settings) -> None:
    def replies(text: str) -> List[Dict[str, Any]]:
        if text == "menu":
            return [{"text": "Pick one", "buttons": [{"title": "Laptop", "payload": "/get_device"}]}]
        return echo(text)

    rasa = HeldRasa(lambda body: body["message"].startswith("held"), replies)

    async def scenario() -> None:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client(timeout=60)):
            fake.send_text(CHAT, "menu")
            menu = (await fake.wait_for_calls(CHAT, 1, "sendMessage"))[0]
            for n in range(1 + MAX_WAITING_PER_CHAT):
                fake.send_text(CHAT, f"held {n}")
            fake.tap(menu, "Laptop")
            try:
                await fake.wait_for(lambda: bool(fake.sent(method="answerCallbackQuery")), timeout=30)
            finally:
                rasa.release.set()  # else shutting down would wait for the held replies for ever
            assert fake.sent(method="answerCallbackQuery")[0].params.get("text") == BUSY_SHORT
            await fake.wait_for_calls(CHAT, 2 + MAX_WAITING_PER_CHAT, "sendMessage", timeout=30)
            await fake.quiet(0.5)
            assert fake.texts(CHAT)[1:] == [f"echo: held {n}" for n in range(1 + MAX_WAITING_PER_CHAT)]

    run(scenario())
    assert "/get_device" not in [m["message"] for m in rasa.received]


def test_a_refusal_from_rasa_is_shown_not_apologised_for(settings) -> None:
    """The channel answers 429 (too many messages) with words for the resident; show them."""
    rasa = ScriptedRasa(echo)

    async def scenario() -> None:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client()):
            rasa.status = 429
            rasa.refusal = [{"text": TOO_MANY, "error": "too_many_messages"}]
            fake.send_text(CHAT, "hello")
            await fake.wait_for_calls(CHAT, 1, "sendMessage")
            await fake.quiet(0.3)
            assert fake.texts(CHAT) == [TOO_MANY]

    run(scenario())


def test_language_code_is_the_hint_and_the_bridge_speaks_the_conversations_language(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram's language_code goes to Rasa as the hint and chooses the bridge's words until Rasa has
    answered in a language; then the conversation's language (Rasa's) chooses them."""
    polish = {"telegram.ask_for_text": "Napisz do mnie słowami.", "telegram.help": "Pomoc: {contact}"}
    welsh = {"telegram.ask_for_text": "Ysgrifennwch ataf mewn geiriau."}
    answers = {
        "cześć": [{"text": "Cześć!", "language": "pl"}],
        "shwmae": [{"text": "Shwmae!", "language": "cy"}],
    }
    rasa = ScriptedRasa(lambda text: answers[text])

    async def scenario() -> None:
        async with FakeBotAPI() as fake, bridge(fake, settings, rasa.client()):
            fake.send_text(CHAT, "/help", language_code="pl-PL")
            await fake.wait_for_calls(CHAT, 1, "sendMessage")
            fake.send_text(CHAT, "cześć", language_code="pl")
            await fake.wait_for_calls(CHAT, 2, "sendMessage")
            fake.send_sticker(CHAT)  # no language_code: the conversation's language (Rasa's last answer)
            await fake.wait_for_calls(CHAT, 3, "sendMessage")
            fake.send_text(CHAT, "shwmae", language_code="pl")
            await fake.wait_for_calls(CHAT, 4, "sendMessage")
            fake.send_sticker(CHAT)
            await fake.wait_for_calls(CHAT, 5, "sendMessage")
            help_text, hello, sticker, shwmae, sticker_again = fake.texts(CHAT)
            assert help_text.startswith("Pomoc: ") and "01603 000000" in help_text
            assert (hello, shwmae) == ("Cześć!", "Shwmae!")
            assert sticker == polish["telegram.ask_for_text"]
            assert sticker_again == welsh["telegram.ask_for_text"]  # Rasa's language beats the hint
            commands = {c.params.get("language_code", ""): c for c in fake.sent(method="setMyCommands")}
            assert set(commands) >= {"", "pl", "cy"}  # a command menu per language

    with written_catalogues(tmp_path, monkeypatch, {"pl": polish, "cy": welsh}):
        run(scenario())
    assert [m["metadata"] for m in rasa.received] == [{"channel": "telegram", "language": "pl"}] * 2
