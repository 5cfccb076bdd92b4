"""action_find_help: the nearest places (and courses) for the resident's need."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import context, formatting, impact, location
from actions.safety import off_the_loop
from bot.needs import NEEDS, Need

ASK_LOCATION = "Where are you? Send me your postcode, like NR2 4EE, or the name of your area."
NOT_FOUND = (
    "Sorry, I could not find \"{given}\". Please check it and send it again. "
    "A postcode looks like NR2 4EE. You can also send the name of your area."
)
NOT_A_LOCATION = (
    "Sorry, I did not understand that as a postcode or place. "
    "A postcode looks like NR2 4EE. You can also send the name of your area."
)


LEVEL_WORDS = (  # improver first: "I know the basics" is not a beginner
    (re.compile(r"\b(improvers?|intermediate|advanced|know the basics|more confident)\b", re.I), "improver"),
    (re.compile(r"\b(beginners?|basics?|never used|new to|starting out|from scratch)\b", re.I), "beginner"),
)


Filters = Tuple[Tuple[str, ...], Tuple[str, ...]]  # (accessibility, languages)


def level_in(text: str) -> Optional[str]:
    """The course level a resident asks for in their own words, if any."""
    return next((level for pattern, level in LEVEL_WORDS if pattern.search(text)), None)


def current_need(tracker: Tracker) -> Optional[Need]:
    """The need in this message, or the one the resident asked about before."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    name = intent if intent in NEEDS else tracker.get_slot("need")
    return NEEDS.get(name) if name else None


def stated_filters(tracker: Tracker) -> Filters:
    """The access and language needs the resident told us earlier."""
    return tuple(tracker.get_slot("accessibility") or ()), tuple(tracker.get_slot("languages") or ())


def nearest_hubs(dispatcher: CollectingDispatcher, need: Need, where: location.Where, filters: Filters) -> list:
    """Up to 3 hubs for ``need``, saying so when filters or distance got in the way."""
    ctx = context.current()
    search, max_miles = ctx.search, ctx.settings.max_distance_miles
    accessibility, languages = filters
    hubs = search.nearest_hubs(where.latitude, where.longitude, need.services,
                               accessibility=accessibility, languages=languages, max_miles=max_miles)
    if not hubs and (accessibility or languages):
        dispatcher.utter_message(
            text=f"I could not find a place with {formatting.access_words(accessibility, languages)} "
            f"near {where.label}. Here are the nearest places. Call them to ask what they can do."
        )
        hubs = search.nearest_hubs(where.latitude, where.longitude, need.services, max_miles=max_miles)
    if hubs:
        return hubs
    nearest = search.nearest_hubs(where.latitude, where.longitude, need.services, limit=1)
    far = (f" The nearest is {nearest[0].name}, {formatting.miles(nearest[0].distance_miles)} away."
           if nearest else "")
    dispatcher.utter_message(
        text=f"Sorry, there is no place that can help with this within {max_miles:g} miles of "
        f"{where.label}.{far} {formatting.contact_text(ctx.settings)}"
    )
    return nearest


def show_results(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    need: Need,
    where: location.Where,
    filters: Filters,
) -> List[Dict[str, Any]]:
    """Send the hubs (or, for courses, the classes) for ``need`` near ``where``."""
    search = context.current().search
    texts: List[str] = []
    if need.intent == "find_course":
        asked = " ".join(e.get("text") or "" for e in tracker.events if e.get("event") == "user")
        level = level_in(asked or tracker.latest_message.get("text") or "")
        in_person, online = search.courses((), level, where.latitude, where.longitude, limit=3)
        hubs = list({c.hub.id: c.hub for c in in_person if c.hub}.values())
    else:
        hubs = nearest_hubs(dispatcher, need, where, filters)
        texts += [formatting.hubs_text(hubs, where.label)] if hubs else []
        in_person, online = (
            search.courses(need.topics, None, where.latitude, where.longitude, limit=1)
            if need.topics else ([], [])
        )
    courses = formatting.courses_text(in_person, online, where.label)
    texts += [courses] if courses else []
    for text in texts[:-1]:
        dispatcher.utter_message(text=text)
    if texts:
        dispatcher.utter_message(text=texts[-1], buttons=formatting.AFTER_RESULTS_BUTTONS)
    impact.answer(tracker, need, where)
    events: List[Dict[str, Any]] = [SlotSet("need", need.intent)]
    if hubs:
        dispatcher.utter_message(json_message=formatting.hubs_payload(hubs))
        events.append(SlotSet("shown_hubs", [h.id for h in hubs]))
    return events


class ActionFindHelp(Action):
    def name(self) -> Text:
        return "action_find_help"

    @off_the_loop
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        ctx = context.current()
        need = current_need(tracker)
        resolved = location.resolve(tracker, ctx.locator)
        events = list(resolved.events)
        if resolved.problem:
            dispatcher.utter_message(text=NOT_FOUND.format(given=resolved.problem))
            return events + ([SlotSet("need", need.intent)] if need else [])
        if resolved.where is None:
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if intent == "inform_location":
                dispatcher.utter_message(text=NOT_A_LOCATION)
            else:
                dispatcher.utter_message(text=ASK_LOCATION)
            return events + ([SlotSet("need", need.intent)] if need else [])
        if need is None:
            dispatcher.utter_message(
                text=f"Thanks, I will remember you are near {resolved.where.label}. What do you need help with?",
                buttons=formatting.menu_buttons(),
            )
            return events
        return events + show_results(dispatcher, tracker, need, resolved.where, stated_filters(tracker))
