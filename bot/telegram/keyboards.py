"""Keyboards: Rasa buttons as inline keyboards, and "Share my location".

Telegram limits callback data to 64 bytes, while a Rasa payload can be any
length (``/inform{"need": ...}``). Short payloads travel as they are
(``p:/get_device``); longer ones are kept in a bounded in-process map and
travel as a short key. After a restart such keys are unknown and the
resident is asked to type instead, which is rare and harmless.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any, Iterable, Mapping, Optional

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import InlineKeyboardButtonLimit

from bot.wording import _

MAX_CALLBACK_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64
INLINE_PREFIX = "p:"
KEY_PREFIX = "k:"


class CallbackPayloads:
    """Maps Rasa payloads to callback data of at most 64 bytes, and back."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._by_key: "OrderedDict[str, str]" = OrderedDict()

    def encode(self, payload: str) -> str:
        inline = INLINE_PREFIX + payload
        if len(inline.encode("utf-8")) <= MAX_CALLBACK_BYTES:
            return inline
        key = KEY_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        self._by_key[key] = payload
        self._by_key.move_to_end(key)
        while len(self._by_key) > self.max_entries:
            self._by_key.popitem(last=False)
        return key

    def decode(self, data: Optional[str]) -> Optional[str]:
        """The payload, or None if the data is unknown (forgotten or forged)."""
        if not data:
            return None
        if data.startswith(INLINE_PREFIX):
            return data[len(INLINE_PREFIX) :] or None
        if data.startswith(KEY_PREFIX):
            return self._by_key.get(data)
        return None


def inline_keyboard(
    buttons: Iterable[Mapping[str, Any]], payloads: CallbackPayloads
) -> Optional[InlineKeyboardMarkup]:
    """One button per row: titles are short sentences, easier to tap on a phone."""
    rows = []
    for button in buttons:
        title, payload = str(button.get("title") or "").strip(), str(button.get("payload") or "").strip()
        if title and payload:
            rows.append([InlineKeyboardButton(title[:64], callback_data=payloads.encode(payload))])
    return InlineKeyboardMarkup(rows) if rows else None


def button_title(markup: Optional[InlineKeyboardMarkup], data: str) -> Optional[str]:
    """The title of the tapped button, read back from the message's own keyboard."""
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def location_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("telegram.share_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=_("telegram.location_placeholder"),
    )


def remove_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()
