"""action_find_help: the nearest places (and courses) for the resident's need."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import context, location
from actions.results import ask_location, current_need, show_results, stated_filters
from actions.safety import off_the_loop
from bot.wording.buttons import menu_buttons, menu_payload


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
            buttons = menu_buttons()
            dispatcher.utter_message(
                response="utter_location_noted",
                place=resolved.where.label,
                buttons=buttons,
                json_message=menu_payload(buttons),
            )
            return events
        return events + show_results(dispatcher, tracker, need, resolved.where, stated_filters(tracker))
