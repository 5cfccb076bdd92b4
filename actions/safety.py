"""Errors inside an action never reach the resident raw.

Any exception is logged (without the message text) and the resident gets a
short apology with the council's phone number instead.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Awaitable, Callable, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.formatting import apology

logger = logging.getLogger(__name__)

Run = Callable[..., Awaitable[List[Dict[str, Any]]]]


def apologise_on_error(run: Run) -> Run:
    @functools.wraps(run)
    async def wrapper(
        self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception:  # noqa: BLE001 - the resident must always get an answer
            logger.exception("action %s failed (sender %s)", self.name(), tracker.sender_id)
            try:
                settings = context.current().settings
            except Exception:  # noqa: BLE001 - settings themselves may be the problem
                from bot.settings import load

                settings = load()
            dispatcher.utter_message(text=apology(settings))
            return []

    return wrapper
