"""Rasa's REST channel with the guarantees residents rely on.

1. Every message gets an answer: if a custom action fails (action server
   down, see action_failures.py) or anything else fails so that the bot
   would say nothing, the resident gets a short apology with the council's
   phone number instead of silence.
2. Very long messages (pasted documents, 10,000 characters of anything) get
   a clear request for a short message instead of going to the model, and a
   body over ``MAX_BODY_BYTES`` gets the same request with HTTP 413: read
   and dropped up to ``DRAIN_BYTES`` (so the client can read the answer),
   refused from its Content-Length beyond that (Sanic would otherwise take
   up to 100 MB).
3. Message metadata is cut down to two whitelisted values: ``channel`` ("web"
   from the widget, "telegram" from the bridge, anything else "other":
   names.py), so impact figures can tell the channels apart (docs/impact.md),
   and ``language``, the client's hint of the resident's language (the
   widget's picker, Telegram's ``language_code``), kept only when it is one
   of ``LANGUAGES``. The channel's own words (refusals, the apology) are in
   the hint's language.
4. Bad requests get a plain answer, never silence: no ``sender`` is a 400
   (it would join one shared "default" conversation), a ``message`` that is
   not text a polite 400, too many messages from one conversation or one
   address a friendly 429 (limits.py). Every refusal is a list of bot
   messages like a normal answer, plus an ``error`` code, so any chat client
   can show it.
5. What residents write stays out of the logs (Rasa's own route logs the
   text when a client hangs up).
6. ``POST /webhooks/rest/forget`` (Rasa's API token required) deletes a
   conversation under Rasa's conversation lock, so a message still being
   answered cannot write it back (bot/conversations.py).
7. The action server's answers are checked against Rasa's schema with one
   validator built once, not a new one per action (action_results.py).
8. A bot message's text and its structure (``custom``: ask_location, hubs,
   courses, menu) come back as one message (output.py), so clients draw the
   structure without recognising replies by their words. The words of the
   refusals and the apology are the message catalogue's (bot/wording).

It keeps the name ``rest``, so clients still post to /webhooks/rest/webhook.
Rasa's ``?stream=true`` responses are not offered.
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import InMemoryTrackerStore
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import conversations
from bot.channels import action_failures, action_results
from bot.channels.limits import ChatRateLimits, client_address
from bot.channels.names import channel_of
from bot.channels.output import StructuredOutputChannel
from bot.channels.refusals import refusal_body
from bot.channels.settings import ChannelSettings, load_channel
from bot.contact import apology
from bot.settings import Settings, load
from bot.wording import _, speaking
from bot.wording.conversation import METADATA_KEY, answer_language, hint_of

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000
# 1,000 characters JSON-escaped at worst (\ud83d\ude00 is 12 bytes for 2) plus metadata, with room to spare.
MAX_BODY_BYTES = 32 * 1024
# A body up to this size is read (and dropped) before the 413, so the client can read the answer;
# a bigger one is refused from its Content-Length and the connection closed.
DRAIN_BYTES = 1024 * 1024
MAX_SENDER_CHARS = 128


def refusal(
    status: int, error: str, text: str, sender: Optional[str] = None, headers: Optional[Dict[str, str]] = None
) -> HTTPResponse:
    """A refusal shaped like an answer: chat clients show ``text``; programs read ``error``."""
    return response.json(refusal_body(error, text, sender), status=status, headers=headers)


async def read_body(request: Request) -> Optional[bytes]:
    """The request body, or None when it is over MAX_BODY_BYTES.

    The route streams, so nothing is read before the size is known.
    """
    stream = request.stream
    if stream is None or not getattr(stream, "request_body", None):
        return request.body or b""
    # Sanic lifts its size limit for streaming routes: put a smaller one back (it also bounds
    # what Sanic drains after we answer).
    stream.request_max_size = DRAIN_BYTES
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > DRAIN_BYTES:
        return None
    chunks: List[bytes] = []
    size = 0
    try:
        while True:
            chunk = await stream.read()
            if chunk is None:
                break
            size += len(chunk)
            if size <= MAX_BODY_BYTES:
                chunks.append(chunk)
    except PayloadTooLarge:
        return None
    if size > MAX_BODY_BYTES:
        return None
    request.body = b"".join(chunks)
    return request.body


def sender_of(body: Dict[str, Any]) -> Optional[str]:
    sender = body.get("sender")
    if isinstance(sender, str) and sender.strip() and len(sender) <= MAX_SENDER_CHARS:
        return sender
    return None


def sql_engine(tracker_store: Any) -> Any:
    """Rasa wraps its tracker store (fail-safe, awaitable): find the SQL engine inside, if any."""
    store = tracker_store
    while store is not None and not hasattr(store, "engine"):
        store = getattr(store, "_tracker_store", None)
    return getattr(store, "engine", None)


def in_memory(tracker_store: Any) -> Optional[InMemoryTrackerStore]:
    store = tracker_store
    while store is not None and not isinstance(store, InMemoryTrackerStore):
        store = getattr(store, "_tracker_store", None)
    return store


class SignpostRestInput(RestInput):
    def __init__(
        self, settings: Optional[Settings] = None, channel: Optional[ChannelSettings] = None
    ) -> None:
        self.settings = settings or load()
        self.channel = channel or load_channel(self.settings)
        self.limits = ChatRateLimits(self.channel.per_sender, self.channel.per_address)
        action_failures.install(self.settings)
        action_results.install()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SignpostRestInput":
        return cls()

    def hint(self, body: Dict[str, Any]) -> Optional[str]:
        """The client's language hint (``metadata.language``), if it is one of LANGUAGES."""
        hint = hint_of(body.get("metadata"))
        return hint if hint in self.settings.languages else None

    def language(self, body: Optional[Dict[str, Any]]) -> str:
        """The language of the channel's own words: the hint's, else English."""
        return answer_language(None, self.hint(body) if body else None, self.settings.languages)

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """Only ``channel`` (web, telegram, else "other") and a known ``language`` hint reach the tracker.

        Clients are not trusted further.
        """
        body = request.json if isinstance(request.json, dict) else {}
        metadata: Dict[Text, Any] = {"channel": channel_of(body.get("metadata"))}
        hint = self.hint(body)
        if hint is not None:
            metadata[METADATA_KEY] = hint
        return metadata

    async def check(self, request: Request) -> Tuple[Optional[Dict[str, Any]], Optional[HTTPResponse]]:
        """The parsed body, or the refusal to send instead (in the hint's language once the body is read)."""
        raw = await read_body(request)
        if raw is None:
            return None, refusal(413, "too_large", _("refusal.too_long"))
        address = client_address(request)
        if address is not None:
            wait = await self.limits.wait_for("address", address)
            if wait is not None:
                logger.info("message refused: too many from one address")
                return None, refusal(
                    429, "too_many_messages", _("refusal.too_many"), headers={"Retry-After": str(wait)}
                )
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return None, refusal(400, "invalid_json", _("refusal.unreadable"))
        with speaking(self.language(body)):
            sender = sender_of(body)
            if sender is None:
                return None, refusal(
                    400,
                    f'sender_missing: send a "sender" of 1 to {MAX_SENDER_CHARS} characters, '
                    "the same for every message of one conversation",
                    _("refusal.unreadable"),
                )
            wait = await self.limits.wait_for("sender", sender)
            if wait is not None:
                logger.info("message refused: too many from one conversation")
                return None, refusal(
                    429, "too_many_messages", _("refusal.too_many"), sender, {"Retry-After": str(wait)}
                )
            if not isinstance(body.get("message"), str):
                return None, refusal(400, "message_not_text", _("refusal.not_text"), sender)
        return body, None

    async def forget(self, request: Request) -> HTTPResponse:
        """Delete one conversation under Rasa's conversation lock (the same lock each message takes)."""
        token = self.channel.rasa_token
        sent = request.headers.get("authorization", "")
        if not token or not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return response.json(
                {"error": "send Rasa's API token as Authorization: Bearer TOKEN"}, status=401
            )
        try:
            body = request.json
        except Exception:  # noqa: BLE001 - Sanic raises its own error for bad JSON
            body = None
        sender = sender_of(body) if isinstance(body, dict) else None
        if sender is None:
            return response.json({"error": f"sender must be 1 to {MAX_SENDER_CHARS} characters"}, status=400)
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None:
            return response.json({"error": "Rasa is still starting"}, status=503)
        engine, memory = sql_engine(agent.tracker_store), in_memory(agent.tracker_store)
        try:
            async with agent.lock_store.lock(sender, wait_time_in_seconds=0.1):
                if engine is not None:
                    deleted = await asyncio.to_thread(conversations.forget, engine, sender)
                elif memory is not None:
                    deleted = 1 if memory.store.pop(sender, None) is not None else 0
                else:
                    return response.json({"error": "this tracker store cannot forget"}, status=501)
        except LockError:
            return response.json({"error": "the conversation is busy; try again"}, status=503)
        return response.json({"deleted": deleted})

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            body, refused = await self.check(request)
            if refused is not None:
                return refused
            assert body is not None
            sender, text = body["sender"], body["message"]
            language = self.language(body)
            collector = StructuredOutputChannel(language)
            if len(text) > MAX_MESSAGE_CHARS:
                with speaking(language):
                    await collector.send_text_message(sender, _("refusal.too_long"))
                return response.json(collector.messages)
            message = UserMessage(
                text, collector, sender, input_channel=self.name(), metadata=self.get_metadata(request)
            )
            try:
                await on_new_message(message)
            except Exception as exc:  # noqa: BLE001 - the resident must get an answer
                logger.error("a message failed: %s", type(exc).__name__, exc_info=True)
            # A client that hangs up cancels this task: nothing is logged (Rasa's route logs the text).
            if not collector.messages:
                with speaking(language):
                    await collector.send_text_message(sender, apology(self.settings))
            return response.json(collector.messages)

        @webhook.route("/forget", methods=["POST"])
        async def forget(request: Request) -> HTTPResponse:
            return await self.forget(request)

        return webhook
