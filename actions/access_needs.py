"""action_access_needs: remember access and language needs, search again."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import formatting, location
from actions.base import SignpostAction, say_with_menu
from actions.results import ask_location, current_need, show_results
from actions.safety import Events
from bot.access import access_needs_in


class ActionAccessNeeds(SignpostAction):
    NAME = "action_access_needs"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        stated = access_needs_in(tracker.latest_message.get("text") or "")
        accessibility = sorted(set(tracker.get_slot("accessibility") or ()) | set(stated.accessibility))
        languages = sorted(set(tracker.get_slot("languages") or ()) | set(stated.languages))
        events: Events = [
            SlotSet("accessibility", accessibility),
            SlotSet("languages", languages),
        ]
        if stated.accessibility or stated.languages:
            wanted = formatting.access_words(stated.accessibility, stated.languages)
            dispatcher.utter_message(response="utter_access_noted", wanted=wanted)
        elif stated.mentions_english:
            dispatcher.utter_message(response="utter_access_english")
        else:
            dispatcher.utter_message(response="utter_access_general")
        need = current_need(tracker)
        where = location.remembered(tracker)
        if need and where:
            events += show_results(
                dispatcher, tracker, domain, need, where, (tuple(accessibility), tuple(languages))
            )
        elif need:
            ask_location(dispatcher)
        else:
            say_with_menu(dispatcher, "utter_what_help")
        return events
