"""Configuration from environment variables, with safe local defaults.

Every variable is documented in the README's configuration table. Each
process reads its settings once at start-up and passes the result down. This
module reads the variables every process shares; an area with settings of its
own reads them in its own settings module, and nowhere else:

- ``bot.channels.settings``: the REST channel's rate limits (``CHAT_RATE_LIMIT_*``);
- ``bot.web.settings``: the web server (``WEB_*``, ``ALLOWED_ORIGINS``,
  ``WIDGET_RASA_URL``, ``STAFF_PORT``, ``STAFF_HOST``);
- ``bot.telegram.settings``: the Telegram bridge (``TELEGRAM_*``,
  ``SIGNPOST_SECRET_KEY``);
- ``bot.staff.settings``: the staff console (``STAFF_*``, ``MODEL_DELIVERY``);
- ``bot.replicated``: the replicated profile's own (``REPLICAS``, ``REPLICA_THREADS``,
  ``MODEL_PULL_SECONDS``, its ports and generated passwords).

Child processes get the environment passed on whole (``bot.child_env``), and
read it through these same modules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Tuple

from bot.wording import SUPPORTED_LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RASA_PORT = 5005
DEFAULT_ACTION_PORT = 5055
DEFAULT_RASA_URL = f"http://localhost:{DEFAULT_RASA_PORT}"


def _var_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("SIGNPOST_VAR_DIR", PROJECT_ROOT / "var")).resolve()


@dataclass(frozen=True)
class Settings:
    """Everything the processes need to know about their surroundings."""

    var_dir: Path
    directory_url: str
    geocoder: str  # "postcodes_io" or "offline"
    postcodes_io_url: str
    geocoder_timeout: float
    outcodes_csv: Path
    timezone: str
    contact_name: str
    contact_phone: str
    contact_hours: str  # CONTACT_HOURS: "Mo-Fr 09:00-17:00" (OSM opening_hours) or free text
    max_distance_miles: float
    rasa_url: str
    action_server_url: str
    tracker_db: Path
    retention_days: int
    impact_min_count: int = 5  # impact figures below this are published as "<5"
    impact_retention_days: int = 730  # anonymous impact rows older than this are deleted
    referral_days: int = 30  # REFERRAL_DAYS: a referral code is good at the places named for this many days
    maintenance_interval_minutes: float = 60  # how often the retention purges run while the service is up
    tracker_url: str = ""  # TRACKER_URL: the conversation store elsewhere (PostgreSQL, replicated profile)
    geocoder_deadline: float = (
        4.0  # a whole postcode lookup, retries included; then the offline table answers
    )
    rasa_port: int = DEFAULT_RASA_PORT  # RASA_PORT: where `python -m bot run` starts the Rasa server
    action_port: int = DEFAULT_ACTION_PORT  # ACTION_PORT: ... and the action server
    rasa_token: str = field(default="", repr=False)  # RASA_TOKEN; "" = the one generated into var/rasa_token
    # LANGUAGES: the languages residents are understood and answered in (English always among them)
    languages: Tuple[str, ...] = SUPPORTED_LANGUAGES


class SettingsError(ValueError):
    """A setting with a value the service cannot run with; the message says what to write instead."""


def parse_languages(value: str) -> Tuple[str, ...]:
    """LANGUAGES ("cy,pl" or "en, cy") as codes in SUPPORTED_LANGUAGES order, English always on."""
    asked = {code.strip().lower() for code in value.split(",") if code.strip()}
    unknown = sorted(asked - set(SUPPORTED_LANGUAGES))
    if unknown:
        raise SettingsError(
            f"LANGUAGES: {', '.join(unknown)} not supported; "
            f"use a comma list of {','.join(SUPPORTED_LANGUAGES)}"
        )
    return tuple(code for code in SUPPORTED_LANGUAGES if code in asked or code == "en")


def tracker_location(tracker_url: str, tracker_db: Path) -> "Path | str":
    """Rasa's conversation store as our code opens it: TRACKER_URL, else the SQLite file TRACKER_DB."""
    return tracker_url or tracker_db


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    var_dir = _var_dir(env)
    rasa_port = int(env.get("RASA_PORT", DEFAULT_RASA_PORT))
    action_port = int(env.get("ACTION_PORT", DEFAULT_ACTION_PORT))
    return Settings(
        var_dir=var_dir,
        directory_url=env.get("DIRECTORY_URL", f"sqlite:///{var_dir / 'directory.db'}"),
        geocoder=env.get("GEOCODER", "postcodes_io"),
        postcodes_io_url=env.get("POSTCODES_IO_URL", "https://api.postcodes.io").rstrip("/"),
        geocoder_timeout=float(env.get("GEOCODER_TIMEOUT", "3")),
        outcodes_csv=Path(env.get("OUTCODES_CSV", PROJECT_ROOT / "data" / "geo" / "uk_outcodes.csv")),
        timezone=env.get("SIGNPOST_TIMEZONE", "Europe/London"),
        contact_name=env.get("CONTACT_NAME", "Norwich City Council"),
        contact_phone=env.get("CONTACT_PHONE", "0344 980 3333"),
        # OSM opening_hours syntax, said in the resident's language; free text is said as written
        contact_hours=env.get("CONTACT_HOURS", "Mo-Fr 09:00-17:00"),
        max_distance_miles=float(env.get("MAX_DISTANCE_MILES", "5")),
        rasa_url=env.get("RASA_URL", f"http://localhost:{rasa_port}").rstrip("/"),
        action_server_url=env.get("ACTION_SERVER_URL", f"http://localhost:{action_port}/webhook"),
        tracker_db=Path(env.get("TRACKER_DB", var_dir / "tracker.db")),
        retention_days=int(env.get("CONVERSATION_RETENTION_DAYS", "30")),
        impact_min_count=max(1, int(env.get("IMPACT_MIN_COUNT", "5"))),
        impact_retention_days=int(env.get("IMPACT_RETENTION_DAYS", "730")),
        referral_days=max(1, int(env.get("REFERRAL_DAYS", "30"))),
        maintenance_interval_minutes=max(1.0, float(env.get("MAINTENANCE_INTERVAL_MINUTES", "60"))),
        geocoder_deadline=float(env.get("GEOCODER_DEADLINE", "4")),
        tracker_url=env.get("TRACKER_URL", ""),
        rasa_port=rasa_port,
        action_port=action_port,
        rasa_token=env.get("RASA_TOKEN", ""),
        languages=parse_languages(env.get("LANGUAGES", "") or ",".join(SUPPORTED_LANGUAGES)),
    )
