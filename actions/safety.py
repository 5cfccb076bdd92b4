"""How every action runs: off the event loop, and never failing raw.

rasa-sdk runs all residents' actions on one asyncio event loop. Our actions
block (postcodes.io over HTTP, directory and impact SQL), so running them on
the loop would make one slow postcode lookup hold up every other resident.
:func:`off_the_loop` turns a plain, blocking ``run`` into rasa-sdk's async
one that runs it in a worker thread.

Any exception is logged (without message text or sender id) and the resident
gets a short apology with the council's phone number instead.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, List, Sequence

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from bot.contact import apology
from bot.wording import speaking
from bot.wording.conversation import SLOT, answer_language, hint_of

logger = logging.getLogger(__name__)

Events = List[Dict[str, Any]]
Body = Callable[[Any, CollectingDispatcher, Tracker, Dict[str, Any]], Events]
Run = Callable[[Any, CollectingDispatcher, Tracker, Dict[str, Any]], Awaitable[Events]]

# Residents answered at once. Each waits at most the geocoder's deadline plus
# a few quick queries, so a rush only queues briefly; threads start as needed.
ACTION_THREADS = 16
_workers = ThreadPoolExecutor(max_workers=ACTION_THREADS, thread_name_prefix="action")


def off_the_loop(body: Body) -> Run:
    """rasa-sdk's ``async run`` for a blocking ``body``: run in a worker thread, apologise on error."""

    @functools.wraps(body)
    async def run(
        self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> Events:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(_workers, body, self, dispatcher, tracker, domain)
        except Exception:  # noqa: BLE001 - the resident must always get an answer
            logger.exception("action %s failed", self.name())
            try:
                settings = context.current().settings
            except Exception:  # noqa: BLE001 - settings themselves may be the problem
                from bot.settings import load

                settings = load()
            with speaking(conversation_language(tracker, settings.languages)):
                dispatcher.utter_message(text=apology(settings))
            return []

    return run


def conversation_language(tracker: Tracker, languages: Sequence[str]) -> str:
    """The language the conversation is answered in (the same rule as Rasa's TranslatingNLG)."""
    slot = tracker.get_slot(SLOT)
    hint = hint_of((tracker.latest_message or {}).get("metadata"))
    return answer_language(slot if isinstance(slot, str) else None, hint, languages)
