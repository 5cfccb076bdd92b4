"""The live Rasa server's HTTP API, as the console uses it: which model is loaded, and loading another.

Errors never repeat the request's URL: it carries the API token.
"""

from __future__ import annotations

import requests

from bot.staff.settings import StaffSettings

LOAD_TIMEOUT = 300  # seconds: Rasa answers PUT /model only once the model is loaded


class RasaError(RuntimeError):
    """The live Rasa server refused or could not be reached."""


def live_model_name(settings: StaffSettings) -> str:
    """The file name of the model Rasa serves ("" when it has none)."""
    try:
        response = requests.get(f"{settings.rasa_url}/status", params={"token": settings.token()}, timeout=10)
        response.raise_for_status()
    except requests.RequestException as exc:  # its text holds the URL, token included: not shown
        raise RasaError(
            f"cannot ask Rasa at {settings.rasa_url} which model is live ({type(exc).__name__})"
        ) from exc
    return str(response.json().get("model_file") or "")


def load_model(settings: StaffSettings, path: str) -> None:
    """Make Rasa serve the model at ``path`` (``PUT /model``): the bot switches without a restart."""
    try:
        response = requests.put(
            f"{settings.rasa_url}/model",
            params={"token": settings.token()},
            json={"model_file": path},
            timeout=LOAD_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise RasaError(f"cannot reach Rasa at {settings.rasa_url} ({type(exc).__name__})") from exc
    if response.status_code >= 300:
        raise RasaError(f"Rasa refused the model ({response.status_code}): {response.text[:300]}")
