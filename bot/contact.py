"""How a resident reaches a person: used whenever the bot cannot help."""

from __future__ import annotations

from bot.directory.hours import describe_week
from bot.settings import Settings
from bot.wording import _


def contact_text(settings: Settings) -> str:
    """'You can call Norwich City Council on 0344 980 3333. They are open Monday to Friday, 9am to 5pm.'

    CONTACT_HOURS in OSM opening_hours syntax ("Mo-Fr 09:00-17:00") is worded in the language being
    spoken; free text, which older settings hold, is said as written.
    """
    hours = describe_week(settings.contact_hours, tz=settings.timezone) or settings.contact_hours
    return _("contact", name=settings.contact_name, phone=settings.contact_phone, hours=hours)


def apology(settings: Settings) -> str:
    """What a resident reads when something failed on our side, with the council's number."""
    return _("apology", contact=contact_text(settings))
