"""Rasa replies -> Telegram messages.

:func:`plan` is pure (no network), so the rules are easy to test: texts are
split at Telegram's 4,096-character limit on paragraph or line boundaries,
buttons become an inline keyboard on the last part, a ``hubs`` payload
becomes venue messages (map pins), and a message marked ``ask_location``
gets a "Share my location" keyboard that is removed again by the next reply
that can carry it (a plain text or a map pin: a message has room for one
keyboard only). Replies are recognised by their structure (``custom``),
never by their words. :func:`send` then performs the plan with the real bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.constants import MessageLimit

from bot.telegram.keyboards import CallbackPayloads, inline_keyboard, location_keyboard, remove_keyboard
from bot.wording import _

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096, counted in UTF-16 code units
ReplyMarkup = Union[InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove]


@dataclass(frozen=True)
class Text:
    text: str
    reply_markup: Optional[ReplyMarkup] = None


@dataclass(frozen=True)
class Venue:
    latitude: float
    longitude: float
    title: str
    address: str
    reply_markup: Optional[ReplyKeyboardRemove] = None


Outgoing = Union[Text, Venue]


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (emoji outside the BMP count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """Index of the longest prefix of ``text`` within ``limit`` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT) -> List[str]:
    """Split into parts Telegram accepts, preferring paragraph, then line, then word breaks."""
    parts: List[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        end = _fitting_prefix(rest, limit)
        head = rest[:end]
        cut = end
        for separator in ("\n\n", "\n", " "):
            found = head.rfind(separator)
            if found > end // 2:  # a break in the second half: parts stay a sensible size
                cut = found
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def kind(reply: Mapping[str, Any]) -> Optional[str]:
    """The structure a reply carries (``custom.type``: ask_location, hubs, courses, menu), if any."""
    custom = reply.get("custom")
    return str(custom.get("type")) if isinstance(custom, Mapping) and custom.get("type") else None


def venues(custom: Mapping[str, Any], remove: bool = False) -> List[Venue]:
    """Map pins for a ``{"type": "hubs"}`` payload; hubs without coordinates are skipped."""
    pins: List[Venue] = []
    for hub in custom.get("hubs") or []:
        try:
            latitude, longitude = float(hub["latitude"]), float(hub["longitude"])
        except (KeyError, TypeError, ValueError):
            continue
        address = ", ".join(str(p) for p in (hub.get("address"), hub.get("postcode")) if p)
        markup = remove_keyboard() if remove and not pins else None  # a pin can take the keyboard away too
        pins.append(
            Venue(latitude, longitude, str(hub.get("name") or _("telegram.venue")), address or " ", markup)
        )
    return pins


def plan(
    replies: Iterable[Mapping[str, Any]],
    payloads: CallbackPayloads,
    location_keyboard_shown: bool = False,
) -> Tuple[List[Outgoing], bool]:
    """What to send for Rasa's replies, and whether the location keyboard is still showing."""
    out: List[Outgoing] = []
    shown = location_keyboard_shown
    for reply in replies:
        text = str(reply.get("text") or "")
        buttons = reply.get("buttons") or []
        asks = kind(reply) == "ask_location"
        if (
            asks
            and not text.strip()
            and not buttons
            and out
            and isinstance(out[-1], Text)
            and out[-1].reply_markup is None
        ):
            # The question came apart from its structure (a plain Rasa collector): mark the question itself.
            out[-1], shown = Text(out[-1].text, location_keyboard()), True
            continue
        if text.strip() or buttons or asks:
            chunks = split_text(text) or [
                _("telegram.choose_one") if buttons else _("telegram.share_location_prompt")
            ]
            for index, chunk in enumerate(chunks):
                markup: Optional[ReplyMarkup] = None
                if index == len(chunks) - 1:
                    if buttons:
                        markup = inline_keyboard(buttons, payloads)
                    elif asks:
                        markup, shown = location_keyboard(), True
                if markup is None and shown and not asks:
                    markup, shown = remove_keyboard(), False
                out.append(Text(chunk, markup))
        if kind(reply) == "hubs":
            pins = venues(reply["custom"], remove=shown)
            shown = shown and not pins
            out.extend(pins)
    return out, shown


async def send(bot: Bot, chat_id: int, outgoing: Iterable[Outgoing]) -> List[Message]:
    """Send in order: residents read the list, then see the pins."""
    sent = []
    for item in outgoing:
        if isinstance(item, Venue):
            sent.append(
                await bot.send_venue(
                    chat_id,
                    latitude=item.latitude,
                    longitude=item.longitude,
                    title=item.title,
                    address=item.address,
                    reply_markup=item.reply_markup,
                )
            )
        else:
            sent.append(await bot.send_message(chat_id, item.text, reply_markup=item.reply_markup))
    return sent
