"""When a custom action fails, the resident hears an apology, not silence.

Rasa's ``RemoteAction`` raises when the action server is down, times out or
answers with an error; Rasa then logs it and carries on without a word to
the resident. Rasa has no hook for this, so :func:`install` wraps
``RemoteAction.run`` once in the Rasa server process (the REST channel calls
it at start-up): a failure becomes a bot message with the council's phone
number, in the conversation's language. Form validation rejections still
propagate as Rasa expects.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.exceptions import RasaException

from bot.contact import apology
from bot.settings import Settings
from bot.wording import speaking
from bot.wording.conversation import SLOT, answer_language, hint_of

logger = logging.getLogger(__name__)


def install(settings: Settings) -> None:
    """Make every remote action apologise instead of failing silently."""
    if getattr(RemoteAction.run, "apologises", False):
        return
    original = RemoteAction.run

    @functools.wraps(original)
    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except RasaException:
            logger.error("custom action %s failed", self.name())  # no sender id in logs
            slot = tracker.get_slot(SLOT)
            hint = hint_of(tracker.latest_message.metadata)
            with speaking(answer_language(slot if isinstance(slot, str) else None, hint, settings.languages)):
                return [create_bot_utterance({"text": apology(settings)})]

    run.apologises = True  # type: ignore[attr-defined]  # marks the patch so install() runs once
    RemoteAction.run = run
