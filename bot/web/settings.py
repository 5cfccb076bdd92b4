"""Settings of the web process, read from the environment once at start-up.

Kept apart from :mod:`bot.settings` so the web server can grow (the staff
console will join it) without touching the settings the bot processes share.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Tuple

from bot.settings import load as load_bot_settings

DEFAULT_ORIGINS = "http://localhost:8080,http://127.0.0.1:8080"


@dataclass(frozen=True)
class WebSettings:
    """Where the web server listens and who may call it."""

    host: str
    port: int
    allowed_origins: Tuple[str, ...]
    widget_rasa_url: str  # Rasa as the resident's browser reaches it
    tracker_db: Path

    @property
    def url(self) -> str:
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"


def parse_origins(value: str) -> Tuple[str, ...]:
    """Comma-separated origins, without trailing slashes (browsers send none)."""
    return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())


def load(env: Mapping[str, str] | None = None) -> WebSettings:
    """Build :class:`WebSettings` from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    return WebSettings(
        host=env.get("WEB_HOST", "127.0.0.1"),
        port=int(env.get("WEB_PORT", "8080")),
        allowed_origins=parse_origins(env.get("ALLOWED_ORIGINS", DEFAULT_ORIGINS)),
        widget_rasa_url=env.get("WIDGET_RASA_URL", "http://localhost:5005").rstrip("/"),
        tracker_db=load_bot_settings(env).tracker_db,
    )
