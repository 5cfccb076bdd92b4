"""Shared fixtures: the real trained model behind a real Rasa server.

The ``stack`` fixture starts the action server and the Rasa server (the same
:class:`bot.runner.Stack` that ``make run`` uses) on free ports, with a fresh
directory database loaded from the sample CSV files and the offline geocoder:
postcodes.io is outside this machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests

from bot.runner import Stack, free_port
from bot.settings import PROJECT_ROOT, load
from tests.pg import SKIP_REASON, postgres_binaries, postgres_server

MODELS = PROJECT_ROOT / "models"


def stack_env(var_dir: Path) -> Dict[str, str]:
    return {
        "SIGNPOST_VAR_DIR": str(var_dir),
        "DIRECTORY_URL": f"sqlite:///{var_dir / 'directory.db'}",
        "GEOCODER": "offline",
        "RASA_TELEMETRY_ENABLED": "false",
    }


def load_sample_directory(env: Dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", "directory", "load",
         "data/directory/hubs.csv", "data/directory/courses.csv"],
        cwd=PROJECT_ROOT, env={**os.environ, **env}, check=True, capture_output=True,
    )


@dataclass
class Conversation:
    """One resident talking to the REST channel."""

    rasa_url: str
    sender: str

    def say(self, text: str) -> List[Dict[str, Any]]:
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    @staticmethod
    def texts(replies: List[Dict[str, Any]]) -> str:
        return "\n".join(r.get("text", "") for r in replies if r.get("text"))

    @staticmethod
    def hubs(replies: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        return [h for r in replies if (r.get("custom") or {}).get("type") == "hubs" for h in r["custom"]["hubs"]]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One throwaway PostgreSQL cluster for the whole run (tests/pg.py)."""
    if postgres_binaries() is None:
        pytest.skip(SKIP_REASON)
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not any(MODELS.glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` (make test does)")
    var_dir = tmp_path_factory.mktemp("var")
    env = stack_env(var_dir)
    load_sample_directory(env)
    running = Stack(
        load(env), rasa_port=free_port(), action_port=free_port(), token="test-token", env=env,
        web_port=free_port(),
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """One Debian Chromium for the whole session (widget and staff console tests).

    One fixture, defined here, because Playwright's sync API allows only one
    instance per thread at a time.
    """
    from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.web.helpers import missing

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed: pip install -r requirements-dev.txt")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        missing(f"Chromium not found at {CHROMIUM}: bash scripts/system-deps.sh installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def conversation(stack: Stack) -> Conversation:
    return Conversation(stack.rasa_url, f"test-{uuid.uuid4().hex}")
