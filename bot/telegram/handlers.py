"""Small handlers, one per kind of update, in the style of python-telegram-bot's examples.

Everything a handler needs (the Rasa client, settings, the forget function)
comes from :class:`Bridge` in ``application.bot_data``, so handlers never
read the environment or open connections of their own. Logs carry update
ids and timings, never what residents wrote or whose conversation it was.

Every handler answers in the chat's language (:func:`in_chat_language`): the
language of Rasa's last answer in this chat (the conversation's), else the
resident's Telegram ``language_code``, which is also sent to Rasa as the hint
(``metadata.language``) for the start of a conversation.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Coroutine, Dict, List, Optional

from telegram import BotCommand, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.names import TELEGRAM
from bot.contact import apology, contact_text
from bot.settings import Settings
from bot.telegram.keyboards import CallbackPayloads, button_title, inline_keyboard
from bot.telegram.rasa_client import RasaClient, RasaUnavailable
from bot.telegram.render import MAX_TEXT, Text, plan, send, utf16_len
from bot.telegram.settings import sender_id
from bot.wording import _, response_text, speaking
from bot.wording.buttons import menu_buttons
from bot.wording.conversation import METADATA_KEY, answer_language, hint_of

logger = logging.getLogger(__name__)

BRIDGE = "signpost"
LOCATION_KEYBOARD = "location_keyboard_shown"
USED_KEYBOARDS = "used_keyboards"
LOCATION_DECIMALS = 3  # about 100 m: enough to find the nearest hub, not a front door
LANGUAGE = "language"  # chat_data: the language Rasa last answered this chat in
COMMAND_NAMES = ("start", "help", "privacy", "forget")


def commands() -> List[BotCommand]:
    """The command menu in the language being spoken."""
    return [BotCommand(name, _(f"telegram.command.{name}")) for name in COMMAND_NAMES]


CHOSEN_MARK = "\n\n✅ "


@dataclass
class Bridge:
    """The dependencies handlers share; built once by :func:`bot.telegram.app.build_application`."""

    settings: Settings
    rasa: RasaClient
    secret_key: bytes
    forget: Callable[[str], int]
    payloads: CallbackPayloads = field(default_factory=CallbackPayloads)

    def sender(self, chat_id: int) -> str:
        return sender_id(self.secret_key, chat_id)


def bridge(context: ContextTypes.DEFAULT_TYPE) -> Bridge:
    return context.bot_data[BRIDGE]


def telegram_hint(update: object) -> Optional[str]:
    """The resident's Telegram ``language_code`` ("pl", "pt-br") as a two-letter hint, if any."""
    user = update.effective_user if isinstance(update, Update) else None
    return hint_of({METADATA_KEY: user.language_code}) if user is not None else None


def chat_language(update: object, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The language of Rasa's last answer in this chat, else the Telegram hint, within LANGUAGES."""
    known = (context.chat_data or {}).get(LANGUAGE)
    return answer_language(known, telegram_hint(update), bridge(context).settings.languages)


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def in_chat_language(handler: Handler) -> Handler:
    """Run ``handler`` speaking the chat's language, so its own words and buttons are in it."""

    @functools.wraps(handler)
    async def answered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        with speaking(chat_language(update, context)):
            await handler(update, context)

    return answered


def welcome_text() -> str:
    return _("telegram.welcome")


def help_text(settings: Settings) -> str:
    return _("telegram.help", contact=contact_text(settings))


def privacy_text(settings: Settings) -> str:
    return _("telegram.privacy", days=settings.retention_days)


def forgotten_text() -> str:
    """After /forget: done, and the bot's own "What do you need help with?" (domain.yml, translated)."""
    return _("telegram.forgotten", what_help=response_text("utter_what_help"))


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    """Answer the update's message; updates without one (e.g. channel posts removed since) get nothing."""
    message = update.effective_message
    if message is None:
        logger.info("no message to answer update=%s", update.update_id)
        return
    await message.reply_text(text, **kwargs)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: welcome and the main menu, without asking Rasa (works even when Rasa is down)."""
    b = bridge(context)
    await reply(update, welcome_text(), reply_markup=inline_keyboard(menu_buttons(), b.payloads))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, help_text(bridge(context).settings))


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, privacy_text(bridge(context).settings))


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forget: delete this chat's conversation from the tracker store, then start fresh."""
    b = bridge(context)
    chat = update.effective_chat
    if chat is None:  # nothing to forget without a chat
        return
    sender = b.sender(chat.id)
    try:
        deleted = await asyncio.to_thread(b.forget, sender)
    except Exception:  # noqa: BLE001 - tell the resident it did not work rather than pretend
        logger.exception("forget failed update=%s", update.update_id)
        await reply(update, apology(b.settings))
        return
    if context.chat_data is not None:
        context.chat_data.clear()
    logger.info("forget update=%s events=%d", update.update_id, deleted)
    await reply(update, forgotten_text(), reply_markup=inline_keyboard(menu_buttons(), b.payloads))


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None:  # the TEXT filter lets only text through
        return
    await to_rasa(update, context, message.text)


async def location_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location finds the nearest hubs without a postcode."""
    message = update.effective_message
    where = message.location if message is not None else None
    if where is None:  # the LOCATION filter lets only locations through
        return
    entities = {
        "latitude": round(where.latitude, LOCATION_DECIMALS),
        "longitude": round(where.longitude, LOCATION_DECIMALS),
    }
    await to_rasa(update, context, f"/inform_location{json.dumps(entities)}")


async def button_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the tap, mark the keyboard as used, then send the button's payload to Rasa."""
    b = bridge(context)
    query = update.callback_query
    if query is None:
        return
    message, chat = query.message, update.effective_chat
    if message is None or chat is None or context.chat_data is None:
        await query.answer()
        return
    used: deque = context.chat_data.setdefault(USED_KEYBOARDS, deque(maxlen=200))
    if message.message_id in used:  # a second tap on the same keyboard: one answer is enough
        await query.answer(_("telegram.already_chosen"))
        return
    used.append(message.message_id)
    await query.answer()
    payload = b.payloads.decode(query.data)
    # a message older than 48 hours is "inaccessible": no text, no keyboard, but its chat still answers
    await mark_chosen(update, button_title(getattr(message, "reply_markup", None), query.data or ""))
    if payload is None:
        await context.bot.send_message(chat.id, _("telegram.expired_button"))
        return
    await to_rasa(update, context, payload)


async def mark_chosen(update: Update, title: str | None) -> None:
    """Replace the keyboard with the choice, so old buttons cannot be tapped again."""
    query = update.callback_query
    if query is None:
        return
    text = getattr(query.message, "text", None)
    try:
        if text and title and utf16_len(text + CHOSEN_MARK + title) <= MAX_TEXT:
            await query.edit_message_text(text + CHOSEN_MARK + title, reply_markup=None)
        else:
            await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:  # too old to edit, or already edited: not worth failing the tap
        logger.info("could not mark keyboard update=%s error=%s", update.update_id, type(exc).__name__)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice notes, documents...: ask for words instead."""
    await reply(update, _("telegram.ask_for_text"))


async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, _("telegram.edited"))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, _("telegram.unknown_command"))


async def to_rasa(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Send one message to Rasa exactly once and relay the replies; apologise if Rasa fails.

    The update is never retried after Rasa may have seen it, so a resident never
    gets two answers; the next message simply tries again.
    """
    b = bridge(context)
    chat, chat_data = update.effective_chat, context.chat_data
    if chat is None or chat_data is None:  # every update that reaches here comes from a chat
        logger.info("no chat to answer update=%s", update.update_id)
        return
    chat_id = chat.id
    sender = b.sender(chat_id)
    started = time.perf_counter()
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError:
        pass  # only a nicety
    metadata: Dict[str, Any] = {"channel": TELEGRAM}
    hint = telegram_hint(update)
    if hint is not None:
        metadata[METADATA_KEY] = hint
    try:
        replies = await b.rasa.send(sender, text, metadata)
    except RasaUnavailable as exc:
        logger.warning("rasa unavailable update=%s error=%s", update.update_id, exc)
        await context.bot.send_message(chat_id, apology(b.settings))
        return
    rasa_seconds = time.perf_counter() - started
    answered_in = [r.get(METADATA_KEY) for r in replies if isinstance(r.get(METADATA_KEY), str)]
    if answered_in:
        chat_data[LANGUAGE] = answered_in[-1]
    with speaking(chat_language(update, context)):  # the words the bridge adds, in Rasa's language
        outgoing, shown = plan(replies, b.payloads, chat_data.get(LOCATION_KEYBOARD, False))
        if not outgoing:  # never leave a resident in silence
            outgoing = [Text(apology(b.settings))]
    chat_data[LOCATION_KEYBOARD] = shown
    await send(context.bot, chat_id, outgoing)
    logger.info(
        "reply update=%s sent=%d rasa_s=%.3f total_s=%.3f",
        update.update_id,
        len(outgoing),
        rasa_seconds,
        time.perf_counter() - started,
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log ids and the error type only: the default handler would log the whole update (message text)."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error(
        "update=%s failed: %s",
        update_id,
        type(context.error).__name__,
        exc_info=(type(context.error), context.error, context.error.__traceback__) if context.error else None,
    )


def add_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Order matters: the first matching handler wins, and edits must not reach the text handler."""
    new_message = filters.UpdateType.MESSAGE
    spoken = in_chat_language
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, spoken(edited)))
    application.add_handler(CommandHandler("start", spoken(start), filters=new_message))
    application.add_handler(CommandHandler("help", spoken(help_command), filters=new_message))
    application.add_handler(CommandHandler("privacy", spoken(privacy), filters=new_message))
    application.add_handler(CommandHandler("forget", spoken(forget_command), filters=new_message))
    application.add_handler(CallbackQueryHandler(spoken(button_tap)))
    application.add_handler(MessageHandler(new_message & filters.COMMAND, spoken(unknown_command)))
    application.add_handler(MessageHandler(new_message & filters.TEXT, spoken(text_message)))
    application.add_handler(MessageHandler(new_message & filters.LOCATION, spoken(location_message)))
    application.add_handler(MessageHandler(new_message & filters.ChatType.PRIVATE, spoken(not_text)))
    application.add_error_handler(on_error)
