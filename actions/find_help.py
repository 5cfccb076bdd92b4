"""action_find_help: the nearest places (and courses) for the resident's need."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import context, location
from actions.base import SignpostAction, say_with_menu
from actions.results import ask_location, current_need, show_results, stated_filters
from actions.safety import Events


class ActionFindHelp(SignpostAction):
    NAME = "action_find_help"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        ctx = context.current()
        need = current_need(tracker)
        resolved = location.resolve(tracker, ctx.locator)
        events = list(resolved.events)
        keep_need = [SlotSet("need", need.intent)] if need else []
        if resolved.problem:
            ask_location(dispatcher, "utter_location_not_found", given=resolved.problem)
            return events + keep_need
        if resolved.where is None:
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            ask_location(
                dispatcher, "utter_not_a_location" if intent == "inform_location" else "utter_ask_location"
            )
            return events + keep_need
        if need is None:
            say_with_menu(dispatcher, "utter_location_noted", place=resolved.where.label)
            return events
        return events + show_results(
            dispatcher, tracker, domain, need, resolved.where, stated_filters(tracker)
        )
