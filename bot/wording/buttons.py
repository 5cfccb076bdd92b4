"""The buttons residents tap, built once for every channel (actions and the Telegram bridge).

A button is Rasa's ``{"title": ..., "payload": "/intent"}``: the payload is
the intent it stands for, the title comes from the catalogue.
"""

from __future__ import annotations

from typing import Dict, Iterable, List

from bot.needs import MENU_INTENTS, NEEDS
from bot.wording import _

Button = Dict[str, str]
PERSON = "talk_to_human"


def need_button(intent: str) -> Button:
    """A need's button (or "Talk to a person")."""
    if intent == PERSON:
        return {"title": _("button.talk_to_human"), "payload": f"/{PERSON}"}
    return {"title": NEEDS[intent].label, "payload": f"/{intent}"}


def menu_buttons(intents: Iterable[str] = MENU_INTENTS) -> List[Button]:
    """The main menu, or the given needs in that order."""
    return [need_button(i) for i in intents]


def menu_payload(buttons: Iterable[Button]) -> Dict[str, object]:
    """``custom`` of a message whose buttons are needs to choose from: which intents they stand for."""
    return {"type": "menu", "intents": [b["payload"].lstrip("/") for b in buttons]}


def after_results_buttons() -> List[Button]:
    """Offered under every list of places: a person, or another need."""
    return [
        {"title": _("button.talk_to_human"), "payload": f"/{PERSON}"},
        {"title": _("button.something_else"), "payload": "/ask_capabilities"},
    ]
