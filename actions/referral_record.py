"""Issue the referral code for an answer that names places (docs/impact.md; the codes live in bot/referrals).

A thin adapter, like actions/impact_record.py: it hands plain values (the
need, the outward code, the places, the channel) to :mod:`bot.referrals` and
turns the code into the message that ends the answer. A code helps the places
count who came; it is never a condition of help, so any failure is logged and
swallowed and the resident gets their answer without one.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Sequence

from rasa_sdk import Tracker

from actions import context
from actions.impact_record import channel
from actions.location import Where
from bot.needs import Need
from bot.wording import _n

logger = logging.getLogger(__name__)

REFERRAL = "referral"  # custom payload type: channels draw the code (docs/wording.md)


def code_message(
    tracker: Tracker, need: Need, where: Where, hub_ids: Sequence[str]
) -> Optional[Dict[str, Any]]:
    """A message with a new code for ``hub_ids`` (``utter_message`` keyword arguments); None without one."""
    ctx = context.current()
    if ctx.referrals is None or not hub_ids:
        return None
    days = ctx.settings.referral_days
    try:
        code = ctx.referrals.issue(need.intent, where.outcode, hub_ids, channel(tracker), days)
    except Exception:  # noqa: BLE001 - a code is never worth a failed answer
        logger.exception("could not issue a referral code")
        return None
    return {
        "response": "utter_referral_code",
        "code": code,
        "days": _n("referral.days", days),
        "json_message": {"type": REFERRAL, "code": code, "days": days},
    }
