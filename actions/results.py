"""Signposting answers shared by the actions: the need in hand, and the places and classes for it.

``action_find_help`` and ``action_access_needs`` both end by showing results;
this module is what they share, so neither reaches into the other. The
words are domain.yml responses filled with pieces from actions/formatting.py;
each list travels with its structure (``custom``) for channels to draw.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import context, formatting, impact_record, location, referral_record
from bot.access import course_level_in
from bot.contact import contact_text
from bot.needs import NEEDS, Need
from bot.wording.buttons import after_results_buttons

Filters = Tuple[Tuple[str, ...], Tuple[str, ...]]  # (accessibility, languages)
# Places within the same whole mile (0-1, 1-2, ...) count as as near as each other, so one that
# helps in the resident's language goes first among them (docs/languages.md).
LANGUAGE_BAND_MILES = 1.0
ASK_LOCATION = {"type": "ask_location"}  # custom payload: channels offer to share a location


def ask_location(
    dispatcher: CollectingDispatcher, response: str = "utter_ask_location", **values: Any
) -> None:
    """A question for where the resident is, marked so channels can offer "share my location"."""
    dispatcher.utter_message(response=response, json_message=dict(ASK_LOCATION), **values)


def current_need(tracker: Tracker) -> Optional[Need]:
    """The need in this message, or the one the resident asked about before."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    name = intent if intent in NEEDS else tracker.get_slot("need")
    return NEEDS.get(name) if name else None


def stated_filters(tracker: Tracker) -> Filters:
    """The access and language needs the resident told us earlier."""
    return tuple(tracker.get_slot("accessibility") or ()), tuple(tracker.get_slot("languages") or ())


def in_language_first(hubs: List[Any], language: str) -> List[Any]:
    """The same places, those with help in ``language`` first within each mile band (stable)."""
    if language == "en":
        return hubs

    def key(hub: Any) -> Tuple[int, bool]:
        return int((hub.distance_miles or 0.0) // LANGUAGE_BAND_MILES), not formatting.speaks(hub, language)

    return sorted(hubs, key=key)


def nearest_hubs(
    dispatcher: CollectingDispatcher,
    need: Need,
    where: location.Where,
    filters: Filters,
    language: str = "en",
) -> list:
    """Up to 3 hubs for ``need``, saying so when filters or distance got in the way; those with help
    in the conversation's ``language`` first among places about as near."""
    ctx = context.current()
    search, max_miles = ctx.search, ctx.settings.max_distance_miles
    accessibility, languages = filters
    hubs = search.nearest_hubs(
        where.latitude,
        where.longitude,
        need.services,
        accessibility=accessibility,
        languages=languages,
        max_miles=max_miles,
    )
    if not hubs and (accessibility or languages):
        dispatcher.utter_message(
            response="utter_no_place_with_access",
            place=where.label,
            wanted=formatting.access_words(accessibility, languages),
        )
        hubs = search.nearest_hubs(where.latitude, where.longitude, need.services, max_miles=max_miles)
    if hubs:
        return in_language_first(hubs, language)
    nearest = search.nearest_hubs(where.latitude, where.longitude, need.services, limit=1)
    values = {
        "place": where.label,
        "max_miles": formatting.miles(max_miles),
        "contact": contact_text(ctx.settings),
    }
    if nearest:
        dispatcher.utter_message(
            response="utter_none_near_but",
            nearest=nearest[0].name,
            distance=formatting.miles(nearest[0].distance_miles or 0.0),
            **values,
        )
    else:
        dispatcher.utter_message(response="utter_none_near", **values)
    return nearest


def show_results(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
    need: Need,
    where: location.Where,
    filters: Filters,
) -> List[Dict[str, Any]]:
    """Send the hubs (or, for courses, the classes) for ``need`` near ``where``.

    When the answer names places, it ends with one referral code for all of them
    (actions/referral_record.py) when the live model's ``domain`` knows its
    response. The last message carries the "Talk to a
    person / Something else" buttons.
    """
    search = context.current().search
    language = impact_record.language(tracker)
    messages: List[Dict[str, Any]] = []
    if need.intent == "find_course":
        asked = " ".join(e.get("text") or "" for e in tracker.events if e.get("event") == "user")
        level = course_level_in(asked or tracker.latest_message.get("text") or "")
        in_person, online = search.courses((), level, where.latitude, where.longitude, limit=3)
        hubs = list({c.hub.id: c.hub for c in in_person if c.hub}.values())
    else:
        hubs = nearest_hubs(dispatcher, need, where, filters, language)
        if hubs:
            one = len(hubs) == 1
            messages.append(
                {"response": "utter_nearest_place" if one else "utter_nearest_places", "place": where.label}
            )
            messages.append(
                {
                    "text": formatting.hub_list(hubs, language),
                    "json_message": formatting.hubs_payload(hubs, language),
                }
            )
        in_person, online = (
            search.courses(need.topics, None, where.latitude, where.longitude, limit=1)
            if need.topics
            else ([], [])
        )
    courses = formatting.courses_response(in_person, online)
    if courses:
        messages.append(
            {
                "response": courses,
                "place": where.label,
                "near": formatting.course_lines(in_person),
                "online": formatting.course_lines(online),
                "json_message": formatting.courses_payload(in_person, online),
            }
        )
    if hubs and need.intent == "find_course":  # the places the classes are at, for "when is it open?"
        messages.append({"json_message": formatting.hubs_payload(hubs, language)})
    code = referral_record.code_message(tracker, domain, need, where, [h.id for h in hubs]) if hubs else None
    if code:
        messages.append(code)
    said = [m for m in messages if "response" in m or "text" in m]  # not the structure-only message
    if said:
        said[-1]["buttons"] = after_results_buttons()
    for message in messages:
        dispatcher.utter_message(**message)
    impact_record.answer(tracker, need, where)
    events: List[Dict[str, Any]] = [SlotSet("need", need.intent)]
    if hubs:
        events.append(SlotSet("shown_hubs", [h.id for h in hubs]))
    return events
