"""The one shape of every Signpost action: a name and a blocking ``act``.

rasa-sdk's action server registers every subclass of its ``Action`` that is
not abstract (``rasa_sdk.executor.ActionExecutor._register_all_actions``).
:class:`SignpostAction` is abstract, so only its subclasses are registered:
each sets ``NAME`` and writes ``act``, which runs off the event loop with
the apology on error (:func:`actions.safety.off_the_loop`), and inside
:func:`bot.wording.speaking` the conversation's language, so every piece it
builds (a place's lines, buttons, distances) is in the language Rasa answers in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Iterable, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import context
from actions.safety import Events, conversation_language, off_the_loop
from bot.needs import MENU_INTENTS
from bot.wording import speaking
from bot.wording.buttons import menu_buttons, menu_payload


class SignpostAction(Action, ABC):
    """rasa-sdk's ``name``/``run`` written once; a subclass gives ``NAME`` and ``act``."""

    NAME: ClassVar[str]

    def name(self) -> Text:
        return self.NAME

    @off_the_loop
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        with speaking(conversation_language(tracker, context.current().settings.languages)):
            return self.act(dispatcher, tracker, domain)

    @abstractmethod
    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Events:
        """What the action does (it may block): messages go to ``dispatcher``, events are returned.

        ``domain`` is the live model's: a response newer than that model must not be sent (Rasa drops the
        whole message, buttons and all).
        """


def say_with_menu(
    dispatcher: CollectingDispatcher,
    response: str,
    intents: Iterable[str] = MENU_INTENTS,
    **variables: Any,
) -> None:
    """Say ``response`` with the needs in ``intents`` as buttons (the main menu unless told)."""
    buttons = menu_buttons(intents)
    dispatcher.utter_message(
        response=response, buttons=buttons, json_message=menu_payload(buttons), **variables
    )
