"""Settings of the REST channel, read once from the environment in the Rasa server process.

Kept apart from :mod:`bot.settings` (which every process shares) because
only the channel uses them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping, Optional

from limits import RateLimitItem, parse

from bot.conversations import rasa_client_token
from bot.settings import Settings

OFF = ("", "0", "off", "none")
DEFAULT_PER_ADDRESS = "120/minute"  # nginx applies the same limit in the replicated profile


class ChannelConfigError(ValueError):
    """A channel setting cannot work; the message says which and why."""


def rate(name: str, value: str) -> Optional[RateLimitItem]:
    """``"20/minute"`` (limits' notation) -> a limit; ``off`` -> None."""
    if value.strip().lower() in OFF:
        return None
    try:
        return parse(value)
    except ValueError as exc:
        raise ChannelConfigError(
            f"{name} must look like 20/minute or 300/hour, or be off; not {value!r}"
        ) from exc


@dataclass(frozen=True)
class ChannelSettings:
    """Limits on the public chat endpoint."""

    per_sender: Optional[RateLimitItem]  # messages one conversation may send
    per_address: Optional[RateLimitItem]  # messages one client address may send (any conversations)
    rasa_token: str = field(default="", repr=False)  # guards the /forget route


def load_channel(settings: Settings, env: Mapping[str, str] | None = None) -> ChannelSettings:
    env = os.environ if env is None else env
    return ChannelSettings(
        per_sender=rate("CHAT_RATE_LIMIT_PER_SENDER", env.get("CHAT_RATE_LIMIT_PER_SENDER", "20/minute")),
        per_address=rate(
            "CHAT_RATE_LIMIT_PER_ADDRESS", env.get("CHAT_RATE_LIMIT_PER_ADDRESS", DEFAULT_PER_ADDRESS)
        ),
        rasa_token=rasa_client_token(settings),
    )
