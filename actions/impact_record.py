"""Record anonymous impact figures from a conversation (see docs/impact.md; the figures live in bot/impact).

A thin adapter: it reads the channel from the message metadata, the
conversation's language (the one it is answered in) and the outward code
from the resolved location, then hands plain values to :mod:`bot.impact`.
Recording must never cost the resident their answer, so every failure is
logged and swallowed.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional

from rasa_sdk import Tracker

from actions import context
from actions.location import Where, remembered
from actions.safety import conversation_language
from bot.impact import privacy
from bot.needs import Need

logger = logging.getLogger(__name__)


def channel(tracker: Tracker) -> str:
    """web, telegram or other, from the whitelisted ``metadata.channel`` the REST channel passed on."""
    return privacy.channel_of(tracker.latest_message.get("metadata"))


def language(tracker: Tracker) -> str:
    """The conversation's language, the one it is answered in: the ``language`` slot, else the channel's
    hint, each only when switched on (``LANGUAGES``), else English."""
    return privacy.language_code(conversation_language(tracker, context.current().settings.languages))


def _safely(what: str, record: Callable[[], Any]) -> None:
    try:
        record()
    except Exception:  # noqa: BLE001 - statistics are never worth a failed answer
        logger.exception("could not record impact (%s)", what)


def asked_before(tracker: Tracker) -> bool:
    """Whether the resident asked for a person earlier in this conversation."""
    return any(
        e.get("event") == "user"
        and ((e.get("parse_data") or {}).get("intent") or {}).get("name") == privacy.PERSON
        for e in tracker.events
    )


def answer(tracker: Tracker, need: Need, where: Where) -> None:
    """A signposting answer for ``need`` near ``where``: only its outward code is kept."""
    recorder = context.current().impact
    if recorder is not None:
        _safely(
            "answer",
            lambda: recorder.answer(
                channel(tracker),
                need.intent,
                need.services,
                where.latitude,
                where.longitude,
                where.outcode,
                asked_for_person=asked_before(tracker),
                language=language(tracker),
            ),
        )


def asked_for_person(tracker: Tracker) -> None:
    """The resident asked to talk to a person; the area is the one they gave earlier, if any."""
    recorder = context.current().impact
    if recorder is not None:
        where: Optional[Where] = remembered(tracker)
        _safely(
            "person",
            lambda: recorder.asked_for_person(
                channel(tracker), where.outcode if where else None, language(tracker)
            ),
        )


def misunderstood(tracker: Tracker) -> None:
    """Counted by hour and channel; the message itself stays out of the impact tables."""
    recorder = context.current().impact
    if recorder is not None:
        _safely("misunderstood", lambda: recorder.misunderstood(channel(tracker)))
