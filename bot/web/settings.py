"""Settings of the web process, read from the environment once at start-up.

Only the web server uses them (where it listens, who may embed the widget,
where the staff console is served, GOV.UK Notify for "Text me this"), so
they live here rather than in :mod:`bot.settings`, whose settings every
process shares and which this module builds on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Tuple

from limits import RateLimitItem

from bot.channels.settings import rate
from bot.conversations import rasa_client_token
from bot.settings import DEFAULT_RASA_URL, tracker_location
from bot.settings import load as load_bot_settings
from bot.wording import SUPPORTED_LANGUAGES

DEFAULT_ORIGINS = "http://localhost:8080,http://127.0.0.1:8080"
NOTIFY_URL = "https://api.notifications.service.gov.uk"
DEFAULT_TEXTS_PER_ADDRESS = "5/hour"
DEFAULT_TEXTS_PER_CODE = "3/day"
NOTIFY_KEY_LENGTH = 74  # "{key name}-{service id}-{secret}": the two UUIDs are 36 characters each


@dataclass(frozen=True)
class WebSettings:
    """Where the web server listens and who may call it."""

    host: str
    port: int
    allowed_origins: Tuple[str, ...]
    widget_rasa_url: str  # Rasa as the resident's browser reaches it
    tracker_db: "Path | str"  # the SQLite file, or TRACKER_URL
    rasa_url: str = DEFAULT_RASA_URL  # Rasa as this server reaches it (forget goes through Rasa)
    rasa_token: str = field(default="", repr=False)
    # STAFF_PORT: serve the staff console there only, so public pages never share its origin.
    staff_host: str = "127.0.0.1"
    staff_port: Optional[int] = None
    # "Text me this": GOV.UK Notify sends the places and the referral code; off without a key and template.
    notify_api_key: str = field(default="", repr=False)
    notify_sms_template_id: str = ""
    notify_base_url: str = NOTIFY_URL
    text_per_address: Optional[RateLimitItem] = None  # texts one client address may ask for
    text_per_code: Optional[RateLimitItem] = None  # texts one referral code may be sent in
    directory_url: str = ""  # where the referral codes and the places are (bot.settings)
    timezone: str = "Europe/London"  # for the places' opening hours in a text
    languages: Tuple[str, ...] = SUPPORTED_LANGUAGES  # LANGUAGES (bot.settings): what the widget offers

    @property
    def texts_on(self) -> bool:
        """Whether residents are offered "Text me this" (Notify is configured)."""
        return bool(self.notify_api_key and self.notify_sms_template_id)

    @property
    def url(self) -> str:
        return _url(self.host, self.port)

    @property
    def staff_url(self) -> str:
        """Where staff open the console."""
        base = _url(self.staff_host, self.staff_port) if self.staff_port else self.url
        return f"{base}/staff/"


def _url(host: str, port: int) -> str:
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    return f"http://{shown}:{port}"


def parse_origins(value: str) -> Tuple[str, ...]:
    """Comma-separated origins, without trailing slashes (browsers send none)."""
    return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())


def notify_key(value: str) -> str:
    """NOTIFY_API_KEY as Notify issues it, or "" (unset); a key cut short fails at start, not at a send."""
    key = value.strip()
    if key and (len(key) < NOTIFY_KEY_LENGTH or key[-37] != "-" or key[-74] != "-"):
        raise ValueError(
            "NOTIFY_API_KEY must be the whole API key from GOV.UK Notify (name-service id-secret)"
        )
    return key


def load(env: Mapping[str, str] | None = None) -> WebSettings:
    """Build :class:`WebSettings` from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    bot = load_bot_settings(env)
    host = env.get("WEB_HOST", "127.0.0.1")
    staff_port = env.get("STAFF_PORT", "").strip()
    return WebSettings(
        host=host,
        port=int(env.get("WEB_PORT", "8080")),
        allowed_origins=parse_origins(env.get("ALLOWED_ORIGINS", DEFAULT_ORIGINS)),
        widget_rasa_url=env.get("WIDGET_RASA_URL", f"http://localhost:{bot.rasa_port}").rstrip("/"),
        tracker_db=tracker_location(bot.tracker_url, bot.tracker_db),
        rasa_url=bot.rasa_url,
        rasa_token=rasa_client_token(bot),
        staff_host=env.get("STAFF_HOST", host),
        staff_port=int(staff_port) if staff_port else None,
        notify_api_key=notify_key(env.get("NOTIFY_API_KEY", "")),
        notify_sms_template_id=env.get("NOTIFY_SMS_TEMPLATE_ID", "").strip(),
        notify_base_url=env.get("NOTIFY_BASE_URL", NOTIFY_URL).strip().rstrip("/"),
        text_per_address=rate(
            "TEXT_RATE_LIMIT_PER_ADDRESS", env.get("TEXT_RATE_LIMIT_PER_ADDRESS", DEFAULT_TEXTS_PER_ADDRESS)
        ),
        text_per_code=rate(
            "TEXT_RATE_LIMIT_PER_CODE", env.get("TEXT_RATE_LIMIT_PER_CODE", DEFAULT_TEXTS_PER_CODE)
        ),
        directory_url=bot.directory_url,
        timezone=bot.timezone,
        languages=bot.languages,
    )
