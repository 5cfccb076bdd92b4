"""action_opening_times: when the places already shown are open."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import context, formatting
from actions.base import SignpostAction
from actions.results import ask_location
from actions.safety import Events


def _words(text: str) -> set:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3}


class ActionOpeningTimes(SignpostAction):
    NAME = "action_opening_times"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        search = context.current().search
        hubs = [h for h in (search.get_hub(i) for i in tracker.get_slot("shown_hubs") or []) if h]
        if not hubs:
            ask_location(dispatcher, "utter_ask_which_place")
            return [] if tracker.get_slot("need") else [SlotSet("need", "find_hub")]
        asked = _words(tracker.latest_message.get("text") or "")
        named = [h for h in hubs if asked & _words(h.name)]
        lines = "\n".join(formatting.opening_line(hub) for hub in named or hubs)
        dispatcher.utter_message(response="utter_opening_times", places=lines)
        return []
