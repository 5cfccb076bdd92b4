"""Directory results as the pieces of a message, and as payloads channels draw.

Whole messages are domain.yml responses; the pieces put into them here
(a place's lines, distances, opening hours, booking words, course lines,
access words) come from the message catalogue (bot/wording), never from
literals. Messages aim at a reading age of about 9: short sentences,
everyday words, one idea per line.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Sequence

from bot.wording import _, _n, current


def miles(distance: float) -> str:
    """'less than 0.1 miles', '0.4 miles', '1 mile', '12 miles'."""
    if distance < 0.1:
        return _("distance.under")
    rounded = round(distance, 1) if distance < 10 else float(round(distance))
    if rounded.is_integer():
        return _n("distance.miles", int(rounded))
    return _("distance.decimal", miles=current().number(rounded))


def booking_words(booking: Optional[str]) -> str:
    """'Just drop in.' and the like, or '' when the directory does not say."""
    key = f"booking.{booking}"
    return _(key) if booking and current().has(key) else ""


def hours_line(hub: Any) -> str:
    """'Open now, until 5pm.' / 'Closed now. Opens Monday at 9am.'"""
    hours = hub.hours
    if hours is None or not hours.known or hours.open_now is None:
        return _("hours.unknown")
    if hours.open_now:
        return (
            _("hours.open_until", time=hours.closes_at)
            if hours.closes_at
            else _("hours.open_today", hours=hours.today)
        )
    return _("hours.closed_next", next_open=hours.next_open) if hours.next_open else _("hours.closed")


def speaks(hub: Any, language: str) -> bool:
    """Whether the place offers help in ``language`` (a code), other than English, which all do."""
    return language != "en" and language in (hub.languages or ())


def hub_text(number: int, hub: Any, language: str = "en") -> str:
    """One place in a list: name and distance, address, hours, booking, phone, help in the resident's
    language."""
    lines = [
        _("hub.heading", number=number, name=hub.name, distance=miles(hub.distance_miles)),
        _("hub.address", address=hub.address, postcode=hub.postcode),
        hours_line(hub),
    ]
    booking = booking_words(hub.booking)
    if booking:
        lines.append(booking)
    if hub.phone:
        lines.append(_("hub.phone", phone=hub.phone))
    if speaks(hub, language):
        lines.append(_("hub.speaks_language", language=language_name(language)))
    return "\n".join(lines)


def hub_list(hubs: Sequence[Any], language: str = "en") -> str:
    return "\n\n".join(hub_text(i, hub, language) for i, hub in enumerate(hubs, start=1))


def opening_line(hub: Any) -> str:
    """'Millennium Library: Open now, until 7pm. Just drop in.'"""
    return _("opening.line", name=hub.name, hours=hours_line(hub), booking=booking_words(hub.booking)).strip()


def hub_payload(hub: Any, language: str = "en") -> Dict[str, Any]:
    """Structured hub for channels to draw as a map pin or card.

    Its distance, hours, booking and help in the resident's ``language`` come in words.
    """
    in_language = speaks(hub, language)
    hours = hub.hours
    return {
        "id": hub.id,
        "name": hub.name,
        "address": hub.address,
        "postcode": hub.postcode,
        "latitude": hub.latitude,
        "longitude": hub.longitude,
        "distance_miles": round(hub.distance_miles, 2),
        "distance_text": miles(hub.distance_miles),
        "phone": hub.phone,
        "url": hub.website,
        "open_now": None if hours is None else hours.open_now,
        "hours_today": None if hours is None else hours.today,
        "next_open": None if hours is None else hours.next_open,
        "hours_text": hours_line(hub),
        "booking": hub.booking,
        "booking_text": booking_words(hub.booking) or None,
        "speaks_language": in_language,
        "speaks_language_text": _("hub.speaks_language", language=language_name(language))
        if in_language
        else None,
    }


def hubs_payload(hubs: Iterable[Any], language: str = "en") -> Dict[str, Any]:
    return {"type": "hubs", "hubs": [hub_payload(h, language) for h in hubs]}


def course_cost(course: Any) -> str:
    return _("course.free") if course.free else current().money(course.cost)


def course_line(course: Any) -> str:
    cost = course_cost(course)
    if course.mode == "online":
        if course.provider:
            return _(
                "course.online_by", title=course.title, provider=course.provider, cost=cost, url=course.url
            )
        return _("course.online", title=course.title, cost=cost, url=course.url)
    if course.hub_name:
        return _(
            "course.in_person_at",
            title=course.title,
            place=course.hub_name,
            distance=miles(course.distance_miles),
            cost=cost,
        )
    return _("course.in_person", title=course.title, cost=cost)


def course_payload(course: Any) -> Dict[str, Any]:
    return {
        "title": course.title,
        "mode": course.mode,
        "provider": course.provider,
        "url": course.url,
        "free": course.free,
        "cost": course.cost,
        "cost_text": course_cost(course),
        "place": course.hub_name,
        "distance_miles": None if course.distance_miles is None else round(course.distance_miles, 2),
        "line": course_line(course),
    }


def courses_payload(in_person: Sequence[Any], online: Sequence[Any]) -> Dict[str, Any]:
    return {
        "type": "courses",
        "in_person": [course_payload(c) for c in in_person],
        "online": [course_payload(c) for c in online],
    }


def courses_response(in_person: Sequence[Any], online: Sequence[Any]) -> Optional[str]:
    """The domain response that lists these classes, or None when there are none."""
    if in_person and online:
        return "utter_courses_near_and_online"
    if in_person:
        return "utter_courses_near"
    return "utter_courses_online" if online else None


def course_lines(courses: Sequence[Any]) -> str:
    return "\n".join(course_line(c) for c in courses)


def feature_words(feature: str) -> str:
    key = f"feature.{feature}"
    return _(key) if current().has(key) else feature.replace("_", " ")


def language_name(code: str) -> str:
    """'Polish' for 'pl', in the catalogue's language (CLDR names, from Babel)."""
    return current().locale.languages.get(code) or code


def access_words(accessibility: Sequence[str], languages: Sequence[str]) -> str:
    """'step-free access and help in Polish'."""
    words = current()
    parts = [feature_words(f) for f in accessibility]
    if languages:
        parts.append(_("access.languages", languages=words.join((language_name(c) for c in languages), "or")))
    return words.join(parts)
