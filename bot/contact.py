"""How a resident reaches a person: used whenever the bot cannot help."""

from __future__ import annotations

from bot.settings import Settings


def contact_text(settings: Settings) -> str:
    return (
        f"You can call {settings.contact_name} on {settings.contact_phone}. "
        f"They are open {settings.contact_hours}."
    )


def apology(settings: Settings) -> str:
    return f"Sorry, something went wrong on my side. Please try again in a minute. {contact_text(settings)}"
