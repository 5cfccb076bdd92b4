"""action_access_needs: remember access and language needs, search again."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting, location
from actions.find_help import ASK_LOCATION, current_need, show_results
from actions.safety import off_the_loop
from bot.access import access_needs_in


class ActionAccessNeeds(Action):
    def name(self) -> Text:
        return "action_access_needs"

    @off_the_loop
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        stated = access_needs_in(tracker.latest_message.get("text") or "")
        accessibility = sorted(set(tracker.get_slot("accessibility") or ()) | set(stated.accessibility))
        languages = sorted(set(tracker.get_slot("languages") or ()) | set(stated.languages))
        events: List[Dict[str, Any]] = [
            SlotSet("accessibility", accessibility),
            SlotSet("languages", languages),
        ]
        if stated.accessibility or stated.languages:
            wanted = formatting.access_words(stated.accessibility, stated.languages)
            dispatcher.utter_message(text=f"Thank you for telling me. I will look for places with {wanted}.")
        elif stated.mentions_english:
            dispatcher.utter_message(
                text="That's fine. Helpers will go slowly and use simple words. "
                "Which language do you speak? For example Polish or Arabic. I can look for help in it."
            )
        else:
            dispatcher.utter_message(
                text="Thank you for telling me. Helpers are patient and will go at your pace. "
                "You can ask them for what you need when you call or visit."
            )
        need = current_need(tracker)
        where = location.remembered(tracker)
        if need and where:
            events += show_results(dispatcher, tracker, need, where, (tuple(accessibility), tuple(languages)))
        elif need:
            dispatcher.utter_message(text=ASK_LOCATION)
        else:
            dispatcher.utter_message(text="What do you need help with?", buttons=formatting.menu_buttons())
        return events
