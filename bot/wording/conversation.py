"""The one rule for which language a conversation is answered in (no Rasa here: channels use it too).

The conversation's language is the ``language`` slot: the language the
resident last wrote in or asked for, kept for messages that carry none. Before
a message has carried one (the start of a chat: "hi", a button), the channel's
hint counts: the widget's picker or page language, Telegram's
``language_code``. Only the languages switched on with ``LANGUAGES`` are ever
answered; English always is.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

DEFAULT = "en"
SLOT = "language"
METADATA_KEY = "language"  # the channel's hint in a message's metadata


def answer_language(slot: Optional[str], hint: Optional[str], enabled: Sequence[str]) -> str:
    """The slot's language if enabled, else the hint's if enabled, else English."""
    for language in (slot, hint):
        if language and language in enabled:
            return language
    return DEFAULT


def hint_of(metadata: Any) -> Optional[str]:
    """A message metadata's ``language`` hint as a two-letter code ("pl-PL" and "PL" are "pl"), or None."""
    if not isinstance(metadata, Mapping):
        return None
    value = metadata.get(METADATA_KEY)
    if not isinstance(value, str) or len(value) < 2 or not value[:2].isalpha():
        return None
    return value[:2].lower()
