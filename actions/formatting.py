"""Turn directory results into short plain-English messages and payloads.

Messages aim at a reading age of about 9: short sentences, everyday words,
one idea per line. Every list ends with a way to reach a person.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence

from bot.access import LANGUAGES, describe
from bot.contact import apology, contact_text  # noqa: F401 - re-exported for actions
from bot.needs import MENU_INTENTS, NEEDS

BOOKING_WORDS = {
    "drop_in": "Just drop in.",
    "appointment": "You need to book first.",
    "both": "Drop in, or book first.",
}
LANGUAGE_NAMES = {code: name.title() for name, code in reversed(list(LANGUAGES.items()))}

Button = Dict[str, str]


def miles(distance: float) -> str:
    if distance < 0.1:
        return "less than 0.1 miles"
    return f"{distance:.1f} miles" if distance < 10 else f"{distance:.0f} miles"


def hours_line(hub: Any) -> str:
    """'Open now until 5pm.' / 'Closed now. Opens Monday at 9am.'"""
    hours = hub.hours
    if hours is None or not hours.known or hours.open_now is None:
        return "Call to check when it is open."
    if hours.open_now:
        return f"Open now, until {hours.closes_at}." if hours.closes_at else f"Open now. Today: {hours.today}."
    return f"Closed now. {hours.next_open}." if hours.next_open else "Closed now."


def hub_text(number: int, hub: Any) -> str:
    lines = [f"{number}. {hub.name} ({miles(hub.distance_miles)})", f"{hub.address}, {hub.postcode}"]
    lines.append(hours_line(hub))
    if hub.booking in BOOKING_WORDS:
        lines.append(BOOKING_WORDS[hub.booking])
    if hub.phone:
        lines.append(f"Phone: {hub.phone}")
    return "\n".join(lines)


def hubs_text(hubs: Sequence[Any], place_label: str) -> str:
    intro = "Here is the nearest place that can help" if len(hubs) == 1 else "Here are the nearest places that can help"
    body = "\n\n".join(hub_text(i, hub) for i, hub in enumerate(hubs, start=1))
    return f"{intro}, near {place_label}:\n\n{body}"


def hub_payload(hub: Any) -> Dict[str, Any]:
    """Structured hub for channels to draw as a map pin or card."""
    hours = hub.hours
    return {
        "id": hub.id,
        "name": hub.name,
        "address": hub.address,
        "postcode": hub.postcode,
        "latitude": hub.latitude,
        "longitude": hub.longitude,
        "distance_miles": round(hub.distance_miles, 2),
        "phone": hub.phone,
        "url": hub.website,
        "open_now": None if hours is None else hours.open_now,
        "hours_today": None if hours is None else hours.today,
        "next_open": None if hours is None else hours.next_open,
        "booking": hub.booking,
    }


def hubs_payload(hubs: Iterable[Any]) -> Dict[str, Any]:
    return {"type": "hubs", "hubs": [hub_payload(h) for h in hubs]}


def course_line(course: Any) -> str:
    cost = "Free" if course.free else f"£{course.cost:g}"
    if course.mode == "online":
        by = f" by {course.provider}" if course.provider else ""
        return f"- {course.title}{by}. {cost}. {course.url}"
    where = f" at {course.hub_name} ({miles(course.distance_miles)})" if course.hub_name else ""
    return f"- {course.title}{where}. {cost}."


def courses_text(in_person: Sequence[Any], online: Sequence[Any], place_label: Optional[str]) -> str:
    parts = []
    if in_person:
        near = f" near {place_label}" if place_label else ""
        parts.append(f"Classes{near}:\n" + "\n".join(course_line(c) for c in in_person))
    if online:
        parts.append("Learn at home, online:\n" + "\n".join(course_line(c) for c in online))
    return "\n\n".join(parts)


def need_button(intent: str) -> Button:
    if intent == "talk_to_human":
        return {"title": "Talk to a person", "payload": "/talk_to_human"}
    return {"title": NEEDS[intent].label, "payload": f"/{intent}"}


def menu_buttons(intents: Iterable[str] = MENU_INTENTS) -> List[Button]:
    return [need_button(i) for i in intents]


AFTER_RESULTS_BUTTONS: List[Button] = [
    {"title": "Talk to a person", "payload": "/talk_to_human"},
    {"title": "Something else", "payload": "/ask_capabilities"},
]


def language_names(codes: Iterable[str]) -> str:
    return " or ".join(LANGUAGE_NAMES.get(c, c) for c in codes)


def access_words(accessibility: Sequence[str], languages: Sequence[str]) -> str:
    """'step-free access and help in Polish'."""
    parts = [describe(list(accessibility))] if accessibility else []
    if languages:
        parts.append(f"help in {language_names(languages)}")
    return " and ".join(parts)
