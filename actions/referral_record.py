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
from rasa_sdk.types import DomainDict

from actions import context
from actions.impact_record import channel
from actions.location import Where
from bot.needs import Need
from bot.wording import _n

logger = logging.getLogger(__name__)

REFERRAL = "referral"  # custom payload type: channels draw the code (docs/wording.md)
RESPONSE = "utter_referral_code"


def code_message(
    tracker: Tracker, domain: DomainDict, need: Need, where: Where, hub_ids: Sequence[str]
) -> Optional[Dict[str, Any]]:
    """A message with a new code for ``hub_ids`` (``utter_message`` keyword arguments); None without one.

    None too when the live model was trained before the code existed: Rasa would drop a message naming a
    response its domain lacks, and the buttons with it. Staff retraining brings the code back.
    """
    ctx = context.current()
    if ctx.referrals is None or not hub_ids:
        return None
    if RESPONSE not in (domain.get("responses") or {}):
        logger.warning("the live model has no %s: retrain to give referral codes", RESPONSE)
        return None
    days = ctx.settings.referral_days
    try:
        code = ctx.referrals.issue(need.intent, where.outcode, hub_ids, channel(tracker), days)
    except Exception:  # noqa: BLE001 - a code is never worth a failed answer
        logger.exception("could not issue a referral code")
        return None
    return {
        "response": RESPONSE,
        "code": code,
        "days": _n("referral.days", days),
        "json_message": {"type": REFERRAL, "code": code, "days": days},
    }
