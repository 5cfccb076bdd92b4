"""Bot messages as the REST channel returns them: a message's text and its structure stay together.

Rasa's ``CollectingOutputChannel`` sends a message with text and a ``custom``
payload as two separate messages (and splits the text at blank lines), so a
client cannot tell which text the payload belongs to. Actions send structure
with the words it goes with: the question "Where are you?" with
``{"type": "ask_location"}``, the list of places with ``{"type": "hubs"}``
(docs/wording.md). Here such a message stays one message,
``{"text", "buttons"?, "custom"}``: text-only clients (``make chat``) read
the text, the widget and the Telegram bridge draw the structure, and none of
them has to recognise a reply by its words. Messages without ``custom`` are
returned as Rasa's collector returns them.

Every message also says which ``language`` it is written in (the widget sets
``lang`` on it for screen readers; the Telegram bridge answers its own words
in it): the language the response generator (bot/wording/rasa_nlg.py) wrote
the turn's responses in, or, before any, the one the collector was made with
(the client's hint).
"""

from __future__ import annotations

from typing import Any, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel

from bot.wording import DEFAULT_LANGUAGE
from bot.wording.conversation import METADATA_KEY


class StructuredOutputChannel(CollectingOutputChannel):
    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        super().__init__()
        self.language = language

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        await super()._persist_message({**message, METADATA_KEY: self.language})

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        language = message.get(METADATA_KEY)
        if isinstance(language, str) and language:
            self.language = language  # the generator's choice for this turn
        custom = message.get("custom")
        if not custom or not (message.get("text") or message.get("buttons")) or message.get("quick_replies"):
            await super().send_response(recipient_id, message)
            return
        await self._persist_message(
            self._message(
                recipient_id, text=message.get("text"), buttons=message.get("buttons") or None, custom=custom
            )
        )
        rest = {k: v for k, v in message.items() if k not in ("text", "buttons", "custom")}
        if rest.get("image") or rest.get("attachment") or rest.get("elements"):
            await super().send_response(recipient_id, rest)
