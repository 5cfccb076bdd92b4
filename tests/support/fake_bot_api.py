"""A fake Telegram Bot API server on loopback, for the real python-telegram-bot client.

It serves ``/bot<token>/<method>`` for the methods the bridge uses, records
every call (except getUpdates) with its decoded parameters, and serves
getUpdates long polling from updates that tests push. Replies are shaped like
Telegram's, so PTB parses them as it would in production. Also used by
bench/telegram.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from aiohttp import web

BOT_USER = {
    "id": 4242,
    "is_bot": True,
    "first_name": "Signpost",
    "username": "signpost_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Parameters that are plain strings; everything else PTB sends JSON-encoded (numbers, markup, lists).
RAW_PARAMS = {"text", "title", "address", "url", "secret_token", "callback_query_id", "action", "caption"}


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    at: float = field(default_factory=time.perf_counter)

    @property
    def chat_id(self) -> Optional[int]:
        chat = self.params.get("chat_id")
        return int(chat) if chat is not None else None


def _decode(params: Dict[str, Any]) -> Dict[str, Any]:
    decoded = {}
    for key, value in params.items():
        if key not in RAW_PARAMS and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        decoded[key] = value
    return decoded


class FakeBotAPI:
    """Start with ``await fake.start()``; point PTB at ``fake.base_url``."""

    def __init__(self) -> None:
        self.calls: List[Call] = []
        self.get_updates_calls = 0
        self.fail_methods: Dict[str, int] = {}  # method -> HTTP error code to answer with
        self._updates: List[Dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._changed = asyncio.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._user_message_ids = itertools.count(1)
        self.messages: Dict[tuple, Dict[str, Any]] = {}
        self._runner: Optional[web.AppRunner] = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> "FakeBotAPI":
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> "FakeBotAPI":
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- what tests use -------------------------------------------------------------------------

    def push(self, update: Dict[str, Any]) -> Dict[str, Any]:
        """Queue an update for getUpdates; returns it with its update_id."""
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._new_update.set()
        return update

    def sent(self, chat_id: Optional[int] = None, method: Optional[str] = None) -> List[Call]:
        return [
            c
            for c in self.calls
            if (chat_id is None or c.chat_id == chat_id) and (method is None or c.method == method)
        ]

    def texts(self, chat_id: int) -> List[str]:
        return [c.params["text"] for c in self.sent(chat_id, "sendMessage")]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 30) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def wait_for_calls(
        self, chat_id: int, count: int, method: Optional[str] = None, timeout: float = 30
    ) -> List[Call]:
        await self.wait_for(lambda: len(self.sent(chat_id, method)) >= count, timeout)
        return self.sent(chat_id, method)

    async def quiet(self, seconds: float = 0.5) -> None:
        """Wait until nothing has been called for ``seconds`` (the bot has finished answering)."""
        while True:
            last = self.calls[-1].at if self.calls else 0.0
            await asyncio.sleep(seconds)
            if (self.calls[-1].at if self.calls else 0.0) == last:
                return

    # -- update builders ---------------------------------------------------------------------

    def message(
        self, chat_id: int, text: Optional[str] = None, language_code: Optional[str] = None, **fields: Any
    ) -> Dict[str, Any]:
        sender: Dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Resident"}
        if language_code is not None:  # the resident's Telegram language, as Telegram sends it
            sender["language_code"] = language_code
        message: Dict[str, Any] = {
            "message_id": next(self._user_message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Resident"},
            "from": sender,
            **fields,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return message

    def send_text(self, chat_id: int, text: str, language_code: Optional[str] = None) -> Dict[str, Any]:
        return self.push({"message": self.message(chat_id, text, language_code)})

    def send_location(self, chat_id: int, latitude: float, longitude: float) -> Dict[str, Any]:
        return self.push(
            {"message": self.message(chat_id, location={"latitude": latitude, "longitude": longitude})}
        )

    def send_sticker(self, chat_id: int) -> Dict[str, Any]:
        sticker = {
            "file_id": "sticker-file",
            "file_unique_id": "sticker-unique",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.push({"message": self.message(chat_id, sticker=sticker)})

    def send_photo(self, chat_id: int) -> Dict[str, Any]:
        photo = [{"file_id": "photo", "file_unique_id": "photo-u", "width": 90, "height": 90}]
        return self.push({"message": self.message(chat_id, photo=photo)})

    def send_voice(self, chat_id: int) -> Dict[str, Any]:
        voice = {"file_id": "voice", "file_unique_id": "voice-u", "duration": 3}
        return self.push({"message": self.message(chat_id, voice=voice)})

    def send_document(self, chat_id: int) -> Dict[str, Any]:
        document = {"file_id": "doc", "file_unique_id": "doc-u", "file_name": "cv.pdf"}
        return self.push({"message": self.message(chat_id, document=document)})

    def edit_text(self, chat_id: int, text: str) -> Dict[str, Any]:
        edited = self.message(chat_id, text, edit_date=int(time.time()))
        return self.push({"edited_message": edited})

    def tap(self, call: Call, title: str) -> Dict[str, Any]:
        """Tap the inline button called ``title`` on the message a sendMessage call produced."""
        message = call.params["_sent"]
        rows = message["reply_markup"]["inline_keyboard"]
        data = next(b["callback_data"] for row in rows for b in row if b["text"] == title)
        chat_id = message["chat"]["id"]
        query = {
            "id": f"cq-{next(self._update_ids)}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Resident"},
            "chat_instance": f"ci-{chat_id}",
            "message": message,
            "data": data,
        }
        return self.push({"callback_query": query})

    # -- the Bot API ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            raw = await request.json() if request.can_read_body else {}
        else:
            raw = dict(await request.post())
        params = _decode(raw)
        if method == "getUpdates":
            self.get_updates_calls += 1
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        call = Call(method, params)
        if method in self.fail_methods:
            code = self.fail_methods[method]
            await self._record(call)
            return web.json_response(
                {"ok": False, "error_code": code, "description": "Fake failure"}, status=code
            )
        result = self._result(method, params)
        if result is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": f"Not Found: method {method} not faked"},
                status=404,
            )
        if isinstance(result, dict) and "message_id" in result:
            params["_sent"] = result
        await self._record(call)
        return web.json_response({"ok": True, "result": result})

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _get_updates(self, params: Dict[str, Any]) -> List[Dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while not self._updates and time.monotonic() < deadline:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except asyncio.TimeoutError:
                break
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    def _message(self, params: Dict[str, Any], **content: Any) -> Dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Resident"},
            "from": BOT_USER,
            **content,
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _edited(self, params: Dict[str, Any], **changes: Any) -> Dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = dict(self.messages.get(key) or self._message(params))
        message.update(changes, edit_date=int(time.time()))
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        self.messages[key] = message
        return message

    def _result(self, method: str, params: Dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in {
            "deleteWebhook",
            "setWebhook",
            "setMyCommands",
            "deleteMyCommands",
            "answerCallbackQuery",
            "sendChatAction",
            "close",
            "logOut",
        }:
            return True
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}
        if method == "sendMessage":
            return self._message(params, text=params["text"])
        if method == "sendVenue":
            location = {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
            venue = {"location": location, "title": params["title"], "address": params["address"]}
            return self._message(params, venue=venue, location=location)
        if method == "sendLocation":
            return self._message(
                params, location={"latitude": params["latitude"], "longitude": params["longitude"]}
            )
        if method == "editMessageText":
            return self._edited(params, text=params["text"])
        if method == "editMessageReplyMarkup":
            return self._edited(params)
        return None
