"""The channels residents chat through, named as each client names itself in message metadata.

The widget sends ``{"channel": "web"}``, the Telegram bridge ``"telegram"``;
anything else (the terminal chat, other clients) counts as "other". The REST
channel keeps only this one value of a client's metadata, and the impact
figures count by it. Nothing here imports Rasa.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

WEB = "web"
TELEGRAM = "telegram"
OTHER = "other"
CHANNELS = (WEB, TELEGRAM)


def channel_of(metadata: Optional[Mapping[str, Any]]) -> str:
    """``metadata["channel"]`` if it is one we know, else "other" (the terminal chat, unknown clients)."""
    value = metadata.get("channel") if isinstance(metadata, Mapping) else None
    return value if isinstance(value, str) and value in CHANNELS else OTHER
