"""What each resident need (an intent in ../shared/spec/intents.yml) maps to.

This is the documented map from signposting intents to the services in the
directory vocabulary (../shared/spec/directory.md) and to course topics. A hub
matches a need when it offers *any* of the need's services. It lives outside
``bot.directory`` because intent names belong to the conversation, while the
directory only knows services and topics.

A need's name ("Help getting online") is its button title in the message
catalogue (``need.<intent>``), the one place residents' and staff's screens
read it from.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.wording import _


@dataclass(frozen=True)
class Need:
    intent: str
    services: tuple[str, ...]  # hub services that meet the need, best first
    topics: tuple[str, ...] = ()  # course topics that meet the need

    @property
    def label(self) -> str:
        """The need's short name, as its button says it (the staff Impact report uses it too)."""
        return _(f"need.{self.intent}")


NEEDS: dict[str, Need] = {
    n.intent: n
    for n in (
        Need("find_hub", ("skills_help", "computers", "wifi"), ("basics",)),
        Need("find_course", ("courses",)),
        Need("get_device", ("device_bank", "device_lending")),
        Need("get_data", ("free_sim", "wifi")),
        Need("cheaper_broadband", ("broadband_advice",)),
        Need("help_benefits", ("benefits_help",), ("benefits",)),
        Need("help_health_online", ("health_online_help",), ("health",)),
        Need("help_jobs", ("job_help",), ("jobs",)),
        Need("online_safety", ("online_safety_help", "skills_help"), ("online_safety",)),
        Need("help_email", ("skills_help",), ("email",)),
        Need("keep_in_touch", ("skills_help",), ("keep_in_touch",)),
        Need("device_basics", ("skills_help",), ("basics", "smartphone")),
        Need("online_banking", ("skills_help",), ("banking",)),
        Need("council_services", ("council_services_help",), ("council_services",)),
        Need("volunteer", ("volunteering",)),
        Need("donate_device", ("device_donations",)),
    )
}

# Intents whose answer sends the resident to a place: every need, plus
# opening times and access needs (both answer with a hub). A wrong one of
# these is the costly mistake, so the NLU checks them hardest (bot/nlu/in_domain_gate.py).
SIGNPOSTING_INTENTS: frozenset[str] = frozenset(NEEDS) | {"opening_times", "access_needs"}

# Buttons offered when the bot did not understand, or is asked what it can do.
MENU_INTENTS: tuple[str, ...] = (
    "find_hub",
    "get_device",
    "get_data",
    "help_benefits",
    "find_course",
    "talk_to_human",
)
