"""Telegram settings, read once from the environment like :mod:`bot.settings`.

Kept apart from :class:`bot.settings.Settings` so the Telegram bridge can be
configured (and left out) without touching the rest of Signpost.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from bot.private_files import generated_secret

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
MODES = ("polling", "webhook")
# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - as a webhook secret.
SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class TelegramConfigError(ValueError):
    """The settings cannot work; the message says what to change."""


@dataclass(frozen=True)
class TelegramSettings:
    """Everything the Telegram bridge needs besides :class:`bot.settings.Settings`."""

    token: str
    mode: str = "polling"
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    api_base_url: str = DEFAULT_API_BASE_URL
    rasa_timeout: float = 30.0
    rate_limit: float = 30.0  # messages per second over all chats; 0 turns the limiter off
    max_concurrent_updates: int = 256

    @property
    def webhook_path(self) -> str:
        """The path Telegram posts to, taken from the public URL (a proxy forwards it unchanged)."""
        return urlsplit(self.webhook_url).path.lstrip("/")

    def check(self) -> None:
        """Fail early with a readable message instead of a confusing error from Telegram."""
        if not self.token:
            raise TelegramConfigError("TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)")
        if self.mode not in MODES:
            raise TelegramConfigError(f"TELEGRAM_MODE must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.mode == "webhook":
            if not self.webhook_url.startswith("https://"):
                raise TelegramConfigError(
                    "TELEGRAM_WEBHOOK_URL must be a public https:// URL in webhook mode"
                )
            if not SECRET_TOKEN_RE.match(self.webhook_secret):
                raise TelegramConfigError(
                    "TELEGRAM_WEBHOOK_SECRET must be set in webhook mode "
                    "(1-256 characters: letters, digits, _ and -)"
                )


def load_telegram(env: Mapping[str, str] | None = None) -> TelegramSettings:
    """Build :class:`TelegramSettings` from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    return TelegramSettings(
        token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
        mode=env.get("TELEGRAM_MODE", "polling").strip().lower(),
        webhook_url=env.get("TELEGRAM_WEBHOOK_URL", "").strip(),
        webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip(),
        webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
        webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT", "8443")),
        api_base_url=env.get("TELEGRAM_API_BASE_URL", DEFAULT_API_BASE_URL).strip(),
        rasa_timeout=float(env.get("TELEGRAM_RASA_TIMEOUT", "30")),
        rate_limit=float(env.get("TELEGRAM_RATE_LIMIT", "30")),
    )


def secret_key(var_dir: Path, env: Mapping[str, str] | None = None) -> bytes:
    """SIGNPOST_SECRET_KEY, or one generated once into var/ (never in the repo).

    It keys the chat -> sender id hash, so it must stay the same across restarts
    (or every resident silently starts a new conversation).
    """
    env = os.environ if env is None else env
    if env.get("SIGNPOST_SECRET_KEY"):
        return env["SIGNPOST_SECRET_KEY"].encode()
    return generated_secret(var_dir / "secret_key").encode()


def sender_id(key: bytes, chat_id: int) -> str:
    """Rasa sender id for a chat: stable, but not guessable from the (public) chat id."""
    digest = hmac.new(key, str(chat_id).encode(), hashlib.sha256).hexdigest()
    return f"tg-{digest[:32]}"
