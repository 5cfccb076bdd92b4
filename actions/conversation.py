"""Actions for the conversation itself: not understood, a person, the menu."""

from __future__ import annotations

from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import Restarted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import context, impact_record
from actions.base import SignpostAction, say_with_menu
from actions.safety import Events
from bot.contact import contact_text
from bot.needs import MENU_INTENTS, NEEDS
from bot.wording.buttons import PERSON
from bot.wording.conversation import SLOT as LANGUAGE_SLOT

FALLBACK_INTENT = "nlu_fallback"  # Rasa's name; the action server does not import Rasa itself


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


class ActionMisunderstood(SignpostAction):
    """First time: ask to rephrase, with likely needs. Twice in a row: a person."""

    NAME = "action_misunderstood"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        settings = context.current().settings
        impact_record.misunderstood(tracker)
        if misunderstood_in_a_row(tracker) >= 2:
            say_with_menu(dispatcher, "utter_misunderstood_again", contact=contact_text(settings))
            return []
        options = likely_needs(tracker) or [i for i in MENU_INTENTS if i != PERSON]
        say_with_menu(dispatcher, "utter_misunderstood", [*options, PERSON])
        return []


class ActionHumanContact(SignpostAction):
    NAME = "action_human_contact"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        ctx = context.current()
        impact_record.asked_for_person(tracker)
        contact = contact_text(ctx.settings)
        shown = [ctx.search.get_hub(i) for i in tracker.get_slot("shown_hubs") or []]
        with_phone = [h for h in shown if h is not None and h.phone]
        if with_phone:
            dispatcher.utter_message(
                response="utter_contact_or_place",
                contact=contact,
                place=with_phone[0].name,
                phone=with_phone[0].phone,
            )
        else:
            dispatcher.utter_message(response="utter_contact", contact=contact)
        return []


class ActionWhatICanDo(SignpostAction):
    NAME = "action_what_i_can_do"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        say_with_menu(dispatcher, "utter_what_i_can_do")
        return []


class ActionStartOver(SignpostAction):
    """Forgets the conversation, as Rasa's own restart does, but not the language it is in: a
    resident who writes Polish is not answered in English after "start again" (or its button).

    Rasa follows a restart with a new session, which empties every slot (the domain carries none
    over); starting the session here and then setting the language keeps it."""

    NAME = "action_start_over"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        language = tracker.get_slot(LANGUAGE_SLOT)
        return [Restarted(), SessionStarted(), *([SlotSet(LANGUAGE_SLOT, language)] if language else [])]
