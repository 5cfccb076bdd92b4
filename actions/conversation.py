"""Actions for the conversation itself: not understood, a person, the menu."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import context, formatting, impact
from actions.safety import off_the_loop
from bot.needs import NEEDS

FALLBACK_INTENT = "nlu_fallback"


def misunderstood_in_a_row(tracker: Tracker) -> int:
    """How many of the latest user messages in a row the NLU did not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data", {}).get("intent") or {}).get("name") != FALLBACK_INTENT:
            break
        count += 1
    return max(count, 1)  # the core fallback also lands here for an understood message


def likely_needs(tracker: Tracker, most: int = 3) -> List[str]:
    """The needs the NLU thought most likely, best first."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [r["name"] for r in ranking if r.get("name") in NEEDS][:most]


class ActionMisunderstood(Action):
    """First time: ask to rephrase, with likely needs. Twice in a row: a person."""

    def name(self) -> Text:
        return "action_misunderstood"

    @off_the_loop
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        settings = context.current().settings
        impact.misunderstood(tracker)
        if misunderstood_in_a_row(tracker) >= 2:
            dispatcher.utter_message(
                text=f"Sorry, I still don't understand. A person can help you. {formatting.contact_text(settings)}",
                buttons=formatting.menu_buttons(),
            )
            return []
        options = likely_needs(tracker) or [i for i in formatting.MENU_INTENTS if i != "talk_to_human"]
        dispatcher.utter_message(
            text="Sorry, I didn't understand. Can you say it another way? Or choose one of these:",
            buttons=formatting.menu_buttons([*options, "talk_to_human"]),
        )
        return []


class ActionHumanContact(Action):
    def name(self) -> Text:
        return "action_human_contact"

    @off_the_loop
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        ctx = context.current()
        impact.asked_for_person(tracker)
        text = formatting.contact_text(ctx.settings)
        shown = [ctx.search.get_hub(i) for i in tracker.get_slot("shown_hubs") or []]
        with_phone = [h for h in shown if h is not None and h.phone]
        if with_phone:
            text += f" Or call {with_phone[0].name} on {with_phone[0].phone}."
        dispatcher.utter_message(text=text)
        return []


class ActionWhatICanDo(Action):
    def name(self) -> Text:
        return "action_what_i_can_do"

    @off_the_loop
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text=(
                "I can find free help near you. For example:\n"
                "- a place to use a computer or wifi\n"
                "- a free or cheap laptop, tablet, phone or SIM\n"
                "- computer classes\n"
                "- help with Universal Credit, the NHS App, jobs or email online\n"
                "What do you need?"
            ),
            buttons=formatting.menu_buttons(),
        )
        return []
