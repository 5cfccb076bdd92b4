"""How a resident reaches a person: used whenever the bot cannot help."""

from __future__ import annotations

from bot.settings import Settings
from bot.wording import _


def contact_text(settings: Settings) -> str:
    """'You can call Norwich City Council on 0344 980 3333. They are open ...'."""
    return _(
        "contact", name=settings.contact_name, phone=settings.contact_phone, hours=settings.contact_hours
    )


def apology(settings: Settings) -> str:
    """What a resident reads when something failed on our side, with the council's number."""
    return _("apology", contact=contact_text(settings))
