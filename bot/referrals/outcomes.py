"""What happened when a resident arrived at a hub with a referral code: one of a fixed list.

The list is fixed so the funnel can count it and so no free text (which could
describe the person) reaches the referral tables. The words staff read for
each outcome are in the message catalogue (``outcome.*``).
"""

from __future__ import annotations

from typing import Dict

from bot.wording import _

NOT_HELPED = "not_helped"
OUTCOMES = (
    "free_sim_given",
    "device_given",
    "device_lent",
    "skills_session",
    "course_booked",
    "benefits_helped",
    "other",
    NOT_HELPED,
)


def is_helped(outcome: str) -> bool:
    """Arrived and got help: every outcome but ``not_helped``."""
    return outcome in OUTCOMES and outcome != NOT_HELPED


def labels() -> Dict[str, str]:
    """Each outcome's words for staff ("Free SIM given"), in the order of :data:`OUTCOMES`."""
    return {
        "free_sim_given": _("outcome.free_sim_given"),
        "device_given": _("outcome.device_given"),
        "device_lent": _("outcome.device_lent"),
        "skills_session": _("outcome.skills_session"),
        "course_booked": _("outcome.course_booked"),
        "benefits_helped": _("outcome.benefits_helped"),
        "other": _("outcome.other"),
        NOT_HELPED: _("outcome.not_helped"),
    }


def label(outcome: str) -> str:
    """The words for one outcome; the outcome itself when it is not one of ours."""
    return labels().get(outcome, outcome)
