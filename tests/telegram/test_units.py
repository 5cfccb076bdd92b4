"""Pure pieces of the Telegram bridge: splitting, keyboards, rendering, settings."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from bot.telegram.keyboards import MAX_CALLBACK_BYTES, CallbackPayloads, button_title, inline_keyboard
from bot.telegram.rasa_client import RasaClient, RasaUnavailable
from bot.telegram.render import Text, Venue, plan, split_text, utf16_len
from bot.telegram.settings import TelegramConfigError, TelegramSettings, load_telegram, secret_key, sender_id
from tests.support.event_loop import run

ASK = {
    "text": "Where are you? Send me your postcode, like NR2 4EE, or the name of your area.",
    "custom": {"type": "ask_location"},
}


def test_short_text_is_one_part() -> None:
    assert split_text("Hello") == ["Hello"]


def test_long_text_splits_on_paragraphs_within_limit() -> None:
    paragraphs = [f"{i}. " + "word " * 150 for i in range(20)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert all(p.endswith("word") for p in parts)  # whole paragraphs, nothing cut mid-word
    assert " ".join(parts).split() == text.split()  # nothing lost


def test_unbroken_text_is_cut_hard_and_emoji_count_double() -> None:
    assert [len(p) for p in split_text("x" * 9000)] == [4096, 4096, 808]
    emoji = "😀" * 3000  # 6000 UTF-16 units
    parts = split_text(emoji)
    assert [utf16_len(p) for p in parts] == [4096, 1904]


def test_callback_data_within_64_bytes_and_maps_back() -> None:
    payloads = CallbackPayloads(max_entries=2)
    short = payloads.encode("/get_device")
    assert short == "p:/get_device" and payloads.decode(short) == "/get_device"
    long_payload = '/inform{"need": "get_device", "place": "' + "Norwich " * 10 + '", "ü": "ß"}'
    data = payloads.encode(long_payload)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert payloads.decode(data) == long_payload
    for i in range(3):  # bounded: the oldest long payloads are forgotten
        payloads.encode(long_payload + str(i))
    assert payloads.decode(data) is None
    assert payloads.decode("forged") is None and payloads.decode(None) is None


def test_inline_keyboard_one_button_per_row() -> None:
    payloads = CallbackPayloads()
    markup = inline_keyboard(
        [
            {"title": "Talk to a person", "payload": "/talk_to_human"},
            {"title": "Something else", "payload": "/x"},
        ],
        payloads,
    )
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [
        ["Talk to a person"],
        ["Something else"],
    ]
    assert button_title(markup, "p:/x") == "Something else"


def test_plan_venues_buttons_and_location_keyboard() -> None:
    payloads = CallbackPayloads()
    hubs = {
        "type": "hubs",
        "hubs": [
            {
                "name": "Library",
                "address": "1 Bank Plain",
                "postcode": "NR2 4EE",
                "latitude": 52.63,
                "longitude": 1.29,
            },
            {"name": "No coordinates", "address": "x", "postcode": "y", "latitude": None, "longitude": None},
        ],
    }
    out, shown = plan([ASK], payloads)
    assert shown and out[0].reply_markup.keyboard[0][0].request_location
    out, shown = plan(
        [
            {
                "text": "Here are places",
                "buttons": [{"title": "Talk to a person", "payload": "/talk_to_human"}],
            },
            {"custom": hubs},
            {"text": "Anything else?"},
        ],
        payloads,
        location_keyboard_shown=True,
    )
    assert out[0] == Text("Here are places", out[0].reply_markup) and out[0].reply_markup.inline_keyboard
    # The first pin takes the location keyboard away (the text had room for its buttons only).
    assert out[1] == Venue(52.63, 1.29, "Library", "1 Bank Plain, NR2 4EE", out[1].reply_markup)
    assert out[1].reply_markup.remove_keyboard and not shown
    assert out[2] == Text("Anything else?")
    out, shown = plan([{"text": "Sorry, which area?"}], payloads, location_keyboard_shown=True)
    assert out[0].reply_markup.remove_keyboard and not shown
    out, _ = plan([{"buttons": [{"title": "A", "payload": "/a"}]}], payloads)
    assert out[0].text == "Choose one:"


def test_the_location_keyboard_follows_structure_not_words() -> None:
    """Only a reply marked ``ask_location`` offers "Share my location", whatever its words."""
    payloads = CallbackPayloads()
    out, shown = plan([{"text": ASK["text"]}], payloads)  # the words alone: no keyboard
    assert not shown and out == [Text(ASK["text"])]
    which = {"text": "Which place do you mean? Send me your postcode.", "custom": {"type": "ask_location"}}
    out, shown = plan([which], payloads)
    assert shown and out[0].reply_markup.keyboard[0][0].request_location
    # Text and structure apart (a plain Rasa collector): the question before it gets the keyboard.
    out, shown = plan([{"text": "Where then?"}, {"custom": {"type": "ask_location"}}], payloads)
    assert shown and len(out) == 1 and out[0].text == "Where then?" and out[0].reply_markup.keyboard
    # Structure alone: a short prompt carries the keyboard.
    out, shown = plan([{"custom": {"type": "ask_location"}}], payloads)
    assert shown and out[0].text and out[0].reply_markup.keyboard
    # Other structures (courses, menus) change nothing.
    out, _ = plan([{"text": "Classes", "custom": {"type": "courses", "online": []}}], payloads)
    assert out == [Text("Classes")]


def test_list_text_and_its_pins_travel_together() -> None:
    """A list of places with its ``hubs`` payload in one reply: the list, then its pins."""
    payloads = CallbackPayloads()
    hub = {
        "name": "Library",
        "address": "1 Bank Plain",
        "postcode": "NR2 4EE",
        "latitude": 52.63,
        "longitude": 1.29,
    }
    out, shown = plan(
        [
            {"text": "1. Library", "custom": {"type": "hubs", "hubs": [hub]}},
            {"text": "Classes", "buttons": [{"title": "Talk to a person", "payload": "/talk_to_human"}]},
        ],
        payloads,
        location_keyboard_shown=True,
    )
    assert [type(o).__name__ for o in out] == ["Text", "Venue", "Text"]
    assert out[0].reply_markup.remove_keyboard and not shown and out[1].reply_markup is None


def test_sender_id_is_stable_and_keyed() -> None:
    assert sender_id(b"k", 42) == sender_id(b"k", 42)
    assert sender_id(b"k", 42) != sender_id(b"other", 42) != sender_id(b"k", 43)
    assert sender_id(b"k", 42).startswith("tg-") and len(sender_id(b"k", 42)) == 35


def test_secret_key_generated_once_private(tmp_path: Path) -> None:
    first = secret_key(tmp_path, {})
    assert secret_key(tmp_path, {}) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert secret_key(tmp_path, {"SIGNPOST_SECRET_KEY": "abc"}) == b"abc"


def test_settings_from_env_and_checks() -> None:
    tg = load_telegram(
        {
            "TELEGRAM_BOT_TOKEN": "1:x",
            "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/hook",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret-_",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
        }
    )
    tg.check()
    assert tg.webhook_path == "telegram/hook" and tg.api_base_url == "http://127.0.0.1:8081/bot"
    assert load_telegram({}).mode == "polling"
    with pytest.raises(TelegramConfigError, match="TELEGRAM_BOT_TOKEN"):
        load_telegram({}).check()
    with pytest.raises(TelegramConfigError, match="SECRET"):
        TelegramSettings(token="1:x", mode="webhook", webhook_url="https://x/y").check()
    with pytest.raises(TelegramConfigError, match="SECRET"):
        TelegramSettings(
            token="1:x", mode="webhook", webhook_url="https://x/y", webhook_secret="bad secret"
        ).check()


@pytest.mark.parametrize("failure", ["refused", "500", "timeout", "not json"])
def test_rasa_client_failures_are_one_error_type(failure: str) -> None:
    calls = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content))
        if failure == "refused":
            raise httpx.ConnectError("refused", request=request)
        if failure == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        if failure == "500":
            return httpx.Response(500)
        return httpx.Response(200, text="<html>")

    async def scenario() -> None:
        async with RasaClient("http://rasa.test", transport=httpx.MockTransport(handler)) as client:
            with pytest.raises(RasaUnavailable):
                await client.send("tg-x", "hello")

    run(scenario())
    # Only a refused connection (Rasa never saw it) is retried; anything else could answer twice.
    assert len(calls) == (2 if failure == "refused" else 1)


def test_handlers_ignore_updates_without_a_message_or_chat_instead_of_failing() -> None:
    """python-telegram-bot types these as optional; an update without them must not raise."""
    from types import SimpleNamespace

    from telegram import Update

    from bot.telegram import handlers

    class NoRasa:
        async def send(self, *args: object) -> list:
            raise AssertionError("nothing to send without a chat")

    bridge = SimpleNamespace(payloads=CallbackPayloads(), rasa=NoRasa())
    context = SimpleNamespace(bot_data={handlers.BRIDGE: bridge}, chat_data=None, bot=None)
    empty = Update(update_id=1)
    for handler in (
        handlers.start,
        handlers.not_text,
        handlers.unknown_command,
        handlers.text_message,
        handlers.location_message,
        handlers.button_tap,
        handlers.edited,
        handlers.forget_command,
    ):
        assert run(handler(empty, context)) is None
    assert run(handlers.to_rasa(empty, context, "hello")) is None


def test_running_needs_an_application_that_fetches_updates() -> None:
    from telegram.ext import ApplicationBuilder

    from bot.telegram.app import running

    application = ApplicationBuilder().token("123:abc").updater(None).build()

    async def enter() -> None:
        async with running(application, TelegramSettings(token="123:abc")):
            pass

    with pytest.raises(ValueError, match="updater"):
        run(enter())
