"""action_opening_times: when the places already shown are open."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import context, formatting
from actions.safety import off_the_loop

ASK_WHICH = (
    "Which place do you mean? Send me your postcode, like NR2 4EE, "
    "and I will show you places near you and when they are open."
)


def _words(text: str) -> set:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3}


class ActionOpeningTimes(Action):
    def name(self) -> Text:
        return "action_opening_times"

    @off_the_loop
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        search = context.current().search
        hubs = [h for h in (search.get_hub(i) for i in tracker.get_slot("shown_hubs") or []) if h]
        if not hubs:
            dispatcher.utter_message(text=ASK_WHICH)
            return [] if tracker.get_slot("need") else [SlotSet("need", "find_hub")]
        asked = _words(tracker.latest_message.get("text") or "")
        named = [h for h in hubs if asked & _words(h.name)]
        lines = []
        for hub in named or hubs:
            booking = formatting.BOOKING_WORDS.get(hub.booking or "", "")
            lines.append(f"{hub.name}: {formatting.hours_line(hub)} {booking}".strip())
        dispatcher.utter_message(text="\n".join(lines))
        return []
