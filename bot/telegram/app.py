"""The one python-telegram-bot :class:`Application` of the Telegram bridge.

Updates are processed concurrently (a slow Rasa reply for one resident must
not hold up everyone else) but in order within a chat, by
:class:`PerChatUpdateProcessor`. ``TELEGRAM_API_BASE_URL`` becomes PTB's
``base_url`` so a local Bot API server, or the tests' fake, can stand in for
Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Optional, Sequence, Set

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseUpdateProcessor

from bot.settings import Settings
from bot.telegram.handlers import BRIDGE, Bridge, add_handlers, commands, telegram_hint
from bot.telegram.rasa_client import RasaClient
from bot.telegram.settings import TelegramSettings
from bot.wording import _, speaking
from bot.wording.conversation import answer_language

logger = logging.getLogger(__name__)

# Besides the update being answered, how many more one chat may have waiting: room for a
# resident's own burst (an album of photos, a long text Telegram split), while a flood of
# forwarded messages holds at most 11 of the 256 concurrent-update slots.
MAX_WAITING_PER_CHAT = 10


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Chats in parallel, each chat's updates one at a time and in arrival order.

    PTB starts one task per update in arrival order; each takes its chat's lock,
    and asyncio locks wake waiters first-in first-out, so a resident's second
    message is answered after their first. Locks of idle chats are dropped.

    A waiting update holds one of PTB's concurrent-update slots, so one chat
    may keep at most ``max_waiting_per_chat`` updates waiting: more (256
    forwarded messages, a stuck finger) are not answered and the chat hears
    once that the bot is still busy, while every other chat is answered.
    """

    def __init__(
        self,
        max_concurrent_updates: int,
        max_waiting_per_chat: int = MAX_WAITING_PER_CHAT,
        languages: Sequence[str] = ("en",),
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.max_waiting_per_chat = max_waiting_per_chat
        self.languages = tuple(languages)  # "still busy" is said in the resident's Telegram language
        self._locks: Dict[int, asyncio.Lock] = {}
        self._users: Dict[int, int] = {}
        self._told_busy: Set[int] = set()

    @staticmethod
    def key(update: object) -> Optional[int]:
        """The chat id: updates of one chat are answered one at a time."""
        if isinstance(update, Update) and update.effective_chat is not None:
            return update.effective_chat.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self.key(update)
        if key is None:
            await coroutine
            return
        if self._users.get(key, 0) > self.max_waiting_per_chat:  # one being answered, the rest waiting
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # never run: close it so Python does not warn
            await self._turn_away(key, update)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]
                self._told_busy.discard(key)

    async def _turn_away(self, key: int, update: object) -> None:
        """Tell the chat once per busy spell (more would use up the send rate every chat shares)."""
        logger.info("chat busy: update=%s not answered", getattr(update, "update_id", None))
        assert isinstance(update, Update)
        try:
            with speaking(answer_language(None, telegram_hint(update), self.languages)):
                if update.callback_query is not None:
                    await update.callback_query.answer(_("telegram.busy_short"))
                elif key not in self._told_busy:
                    self._told_busy.add(key)
                    await update.get_bot().send_message(key, _("telegram.busy"))
        except TelegramError as exc:
            logger.info("could not say busy: %s", type(exc).__name__)

    async def initialize(self) -> None:
        """Nothing to set up: locks are created on demand."""

    async def shutdown(self) -> None:
        """Nothing to free."""


async def _post_init(application: Application) -> None:
    """Publish the command menu (the "/" list in Telegram's chat box): English for everyone, and each
    other language's for residents whose Telegram is set to it."""
    await application.bot.set_my_commands(commands())
    for language in application.bot_data[BRIDGE].settings.languages:
        if language != "en":
            with speaking(language):
                await application.bot.set_my_commands(commands(), language_code=language)


async def _post_shutdown(application: Application) -> None:
    """The application owns the Rasa client it was given: close its connections."""
    await application.bot_data[BRIDGE].rasa.aclose()


def build_application(
    settings: Settings,
    telegram: TelegramSettings,
    rasa: RasaClient,
    *,
    secret_key: bytes,
    forget: Callable[[str], int],
) -> Application:
    """Wire the handlers to their dependencies; nothing touches the network until it starts."""
    builder = (
        ApplicationBuilder()
        .token(telegram.token)
        .base_url(telegram.api_base_url)
        .concurrent_updates(
            PerChatUpdateProcessor(telegram.max_concurrent_updates, languages=settings.languages)
        )
        .job_queue(None)  # no scheduled jobs: do not start a scheduler thread
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    application: Application
    if telegram.rate_limit > 0:
        # max_retries: after a 429 "retry after", wait and send again instead of dropping a reply
        limiter = AIORateLimiter(overall_max_rate=telegram.rate_limit, max_retries=3)
        application = builder.rate_limiter(limiter).build()
    else:
        application = builder.build()
    application.bot_data[BRIDGE] = Bridge(settings=settings, rasa=rasa, secret_key=secret_key, forget=forget)
    add_handlers(application)
    return application


def polling_options() -> Dict[str, Any]:
    """Shared by the CLI and the tests. Pending updates are kept: a restart must not lose messages."""
    return {"allowed_updates": Update.ALL_TYPES, "drop_pending_updates": False, "bootstrap_retries": 3}


def webhook_options(telegram: TelegramSettings) -> Dict[str, Any]:
    """PTB's webhook server answers 403 to any request without the right secret_token header."""
    return {
        "listen": telegram.webhook_listen,
        "port": telegram.webhook_port,
        "url_path": telegram.webhook_path,
        "webhook_url": telegram.webhook_url or None,
        "secret_token": telegram.webhook_secret,
        "allowed_updates": Update.ALL_TYPES,
        "drop_pending_updates": False,
        "bootstrap_retries": 3,
    }


@contextlib.asynccontextmanager
async def running(application: Application, telegram: TelegramSettings) -> AsyncIterator[Application]:
    """Run inside an existing event loop (tests, benchmark); the CLI uses run_polling/run_webhook.

    Does what those do: initialize, post_init, start fetching updates, start;
    and the reverse on exit.
    """
    updater = application.updater
    if updater is None:
        raise ValueError("running() fetches updates: build the application with an updater")
    async with application:
        await _post_init(application)
        if telegram.mode == "webhook":
            await updater.start_webhook(**webhook_options(telegram))
        else:
            await updater.start_polling(**polling_options())
        await application.start()
        try:
            yield application
        finally:
            await updater.stop()
            await application.stop()
    await _post_shutdown(application)
