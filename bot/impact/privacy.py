"""What an impact row may hold: fixed lists and outward codes, never free text.

Every value that reaches the impact tables passes through these functions, so
a client cannot smuggle a postcode, a name or a message into the statistics by
sending an unexpected channel or need. The channel names are the channels'
own (:mod:`bot.channels.names`).
"""

from __future__ import annotations

from typing import Optional

from bot.channels.names import channel_of  # noqa: F401 - part of this module's list of guards
from bot.geo.postcodes import normalise_postcode
from bot.needs import NEEDS
from bot.wording import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

OTHER = "other"
UNKNOWN_OUTCODE = "unknown"
PERSON = "talk_to_human"  # the need recorded when a resident asks for a person
KNOWN_NEEDS = frozenset(NEEDS) | {PERSON}


def outward_code(value: Optional[str]) -> str:
    """Only the outward code ("NR2") of a postcode or outcode; "unknown" for anything else.

    A full postcode is cut down to its outward code here as well, so a caller
    passing the wrong field still stores nothing more precise than a district.
    """
    normalised = normalise_postcode(value) if isinstance(value, str) else None
    return normalised.split(" ")[0] if normalised else UNKNOWN_OUTCODE


def language_code(value: Optional[str]) -> str:
    """One of the supported language codes ("pl"); anything else is English, the language answered in
    when the conversation has none."""
    return value if isinstance(value, str) and value in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def need_name(value: Optional[str]) -> str:
    """An intent from the needs map (or the request for a person); anything else is "other"."""
    return value if isinstance(value, str) and value in KNOWN_NEEDS else OTHER
