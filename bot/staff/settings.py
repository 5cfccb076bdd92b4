"""Settings of the staff console, read from the environment once at start-up.

The project directory the console edits is a setting so tests (and a
council's staging copy) can work on a copy of the training data.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Tuple

from bot.settings import PROJECT_ROOT, tracker_location
from bot.settings import load as load_bot_settings

# Above the FallbackClassifier's 0.30: staff also see answers the assistant was unsure of.
DEFAULT_INBOX_THRESHOLD = 0.45


@dataclass(frozen=True)
class StaffSettings:
    """Where the console reads and writes, and how it reaches the live Rasa server."""

    project_dir: Path  # holds config.yml, domain.yml, data/ (edited by Teach)
    models_dir: Path  # where retraining writes models
    db_path: Path  # users, sessions, audit log, inbox decisions, model registry
    tracker_db: "Path | str"  # the SQLite file, or TRACKER_URL
    rasa_url: str
    rasa_token: Optional[str]  # None: read var/rasa_token when first needed
    holdout: Path
    inbox_threshold: float = DEFAULT_INBOX_THRESHOLD  # STAFF_INBOX_THRESHOLD
    session_hours: float = 12.0  # STAFF_SESSION_HOURS: a session ends this long after sign-in, however busy
    session_idle_hours: float = 8.0  # ... or after this long without a request
    max_login_failures: int = 5  # per account and address within lockout_minutes (bot.staff.auth)
    lockout_minutes: float = 15.0
    trusted_proxies: Tuple[
        str, ...
    ] = ()  # STAFF_TRUSTED_PROXIES: addresses/networks whose X-Forwarded-For is believed
    retention_days: int = 30  # CONVERSATION_RETENTION_DAYS: taught examples leave the audit log after this
    code_root: Path = PROJECT_ROOT  # PYTHONPATH for the custom NLU components
    token_file: Optional[Path] = None  # var/rasa_token, written by ``make run``
    directory_url: str = ""  # the directory database, which holds the impact tables; "" = no Impact figures
    impact_min_count: int = 5  # IMPACT_MIN_COUNT: smaller counts are shown as "<5"
    impact_retention_days: int = 730  # IMPACT_RETENTION_DAYS, shown on the Impact page
    db_url: str = ""  # STAFF_DB_URL: the same tables in PostgreSQL (replicated profile); "" = the SQLite file
    model_delivery: str = (
        "put"  # MODEL_DELIVERY: "put" loads a promoted model on RASA_URL; "pull": replicas fetch it
    )

    @property
    def staff_dir(self) -> Path:
        return self.db_path.parent

    @property
    def db_location(self) -> "Path | str":
        """What :class:`bot.staff.store.Store` opens: STAFF_DB_URL, else the SQLite file STAFF_DB."""
        return self.db_url or self.db_path

    def token(self) -> str:
        """The Rasa API token: RASA_TOKEN, else the file ``make run`` generates."""
        if self.rasa_token:
            return self.rasa_token
        path = self.token_file
        return path.read_text().strip() if path is not None and path.exists() else ""


def trusted_proxies(text: str) -> Tuple[str, ...]:
    """STAFF_TRUSTED_PROXIES: comma-separated addresses or networks (``127.0.0.1, 10.0.0.0/8``)."""
    found = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"STAFF_TRUSTED_PROXIES: {item!r} is not an IP address or network") from None
    return tuple(found)


def _positive(env: Mapping[str, str], name: str, default: str) -> float:
    value = float(env.get(name, default))
    if not value > 0:
        raise ValueError(f"{name} must be a number above 0")
    return value


def _choice(env: Mapping[str, str], name: str, allowed: Tuple[str, ...], default: str) -> str:
    value = env.get(name, default)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def load(env: Mapping[str, str] | None = None) -> StaffSettings:
    """Build :class:`StaffSettings` from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    bot = load_bot_settings(env)
    project = Path(env.get("STAFF_PROJECT_DIR", PROJECT_ROOT)).resolve()
    return StaffSettings(
        project_dir=project,
        models_dir=Path(env.get("STAFF_MODELS_DIR", project / "models")).resolve(),
        db_path=Path(env.get("STAFF_DB", bot.var_dir / "staff" / "staff.db")).resolve(),
        tracker_db=tracker_location(bot.tracker_url, bot.tracker_db),
        rasa_url=bot.rasa_url,
        rasa_token=bot.rasa_token or None,
        holdout=Path(env.get("STAFF_HOLDOUT", project / "tests" / "nlu_holdout.yml")).resolve(),
        inbox_threshold=float(env.get("STAFF_INBOX_THRESHOLD", DEFAULT_INBOX_THRESHOLD)),
        session_hours=_positive(env, "STAFF_SESSION_HOURS", "12"),
        trusted_proxies=trusted_proxies(env.get("STAFF_TRUSTED_PROXIES", "")),
        retention_days=bot.retention_days,
        token_file=bot.var_dir / "rasa_token",
        directory_url=bot.directory_url,
        impact_min_count=bot.impact_min_count,
        impact_retention_days=bot.impact_retention_days,
        db_url=env.get("STAFF_DB_URL", ""),
        model_delivery=_choice(env, "MODEL_DELIVERY", ("put", "pull"), "put"),
    )
