"""Rasa's REST channel with two guarantees residents rely on.

1. Every message gets an answer: if a custom action fails (action server
   down, see action_failures.py) or anything else fails so that the bot
   would say nothing, the resident gets a short apology with the council's
   phone number instead of silence.
2. Very long messages (pasted documents, 10,000 characters of anything) get
   a clear request for a short message instead of going to the model.

3. Message metadata is cut down to one whitelisted value, ``channel`` ("web"
   from the widget, "telegram" from the bridge, anything else "other"), so
   impact figures can tell the channels apart (docs/impact.md).

It keeps the name ``rest``, so clients still post to /webhooks/rest/webhook.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request

from bot.channels import action_failures
from bot.contact import apology
from bot.impact.privacy import channel_of
from bot.settings import Settings, load

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000
TOO_LONG = (
    "That message is very long. Please tell me in a few words what you need help with, "
    "for example \"I need a laptop\"."
)


class SignpostRestInput(RestInput):
    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or load()
        action_failures.install(self.settings)

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SignpostRestInput":
        return cls()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """Only ``channel`` (web, telegram, else "other") reaches the tracker: clients are not trusted further."""
        body = request.json if isinstance(request.json, dict) else {}
        return {"channel": channel_of(body.get("metadata"))}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def always_answered(message: UserMessage) -> None:
            output = message.output_channel
            if len(message.text or "") > MAX_MESSAGE_CHARS:
                await output.send_text_message(message.sender_id, TOO_LONG)
                return
            try:
                await on_new_message(message)
            except Exception:  # noqa: BLE001 - the resident must get an answer
                logger.exception("message from %s failed", message.sender_id)
            if isinstance(output, CollectingOutputChannel) and not output.messages:
                await output.send_text_message(message.sender_id, apology(self.settings))

        return super().blueprint(always_answered)
