"""Run the real bridge Application against the fake Bot API, with a real or scripted Rasa."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import replace
from typing import Any, AsyncIterator, Callable, Dict, List, Optional

import httpx
from telegram.ext import Application

from bot.settings import Settings
from bot.telegram.app import build_application, running
from bot.telegram.rasa_client import RasaClient
from bot.telegram.settings import TelegramSettings
from tests.support.fake_bot_api import Call, FakeBotAPI

TOKEN = "123456:TEST-token"
SECRET_KEY = b"test-secret-key"


def telegram_settings(fake: FakeBotAPI, **changes: Any) -> TelegramSettings:
    return replace(TelegramSettings(token=TOKEN, api_base_url=fake.base_url, rasa_timeout=5), **changes)


@contextlib.asynccontextmanager
async def bridge(
    fake: FakeBotAPI,
    settings: Settings,
    rasa: RasaClient,
    *,
    forget: Callable[[str], int] = lambda sender: 0,
    **changes: Any,
) -> AsyncIterator[Application]:
    telegram = telegram_settings(fake, **changes)
    application = build_application(settings, telegram, rasa, secret_key=SECRET_KEY, forget=forget)
    async with running(application, telegram):
        yield application


class ScriptedRasa:
    """Stands in for Rasa's REST channel through httpx.MockTransport (no sockets)."""

    def __init__(self, replies: Optional[Callable[[str], List[Dict[str, Any]]]] = None) -> None:
        self.replies = replies or (lambda text: [{"text": f"You said something {len(text)} long"}])
        self.received: List[Dict[str, Any]] = []
        self.down = False
        self.status = 200
        self.delay = 0.0
        self.refusal: Optional[List[Dict[str, Any]]] = None  # a non-200 answer with this JSON body

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        body = json.loads(request.content)
        self.received.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            if self.refusal is not None:
                return httpx.Response(self.status, json=self.refusal)
            return httpx.Response(self.status, text="Internal Server Error")
        replies = [{"recipient_id": body["sender"], **r} for r in self.replies(body["message"])]
        return httpx.Response(200, json=replies)

    def client(self, timeout: float = 5) -> RasaClient:
        return RasaClient("http://rasa.test", timeout=timeout, transport=httpx.MockTransport(self.handle))


async def say(
    fake: FakeBotAPI, chat_id: int, message: str, until: str = "sendMessage", timeout: float = 60
) -> List[Call]:
    """Send a text and wait until the bot has answered (at least one ``until`` call and then quiet)."""
    before = len(fake.sent(chat_id, until))
    fake.send_text(chat_id, message)
    await fake.wait_for_calls(chat_id, before + 1, until, timeout=timeout)
    await fake.quiet(0.7)
    return fake.sent(chat_id)


def with_buttons(calls: List[Call]) -> Call:
    return [
        c
        for c in calls
        if c.method == "sendMessage" and "inline_keyboard" in c.params.get("reply_markup", {})
    ][-1]
