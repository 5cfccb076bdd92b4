"""Shared fixtures: the real trained model behind a real Rasa server, PostgreSQL, Chromium.

The ``stack`` fixture is :func:`tests.support.stack.running_stack`: the action
server, the Rasa server and the web server (the same :class:`bot.runner.Stack`
that ``make run`` uses) on free ports, over a fresh sample directory and the
offline geocoder (postcodes.io is outside this machine).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from bot.runner import Stack
from tests.support.pg import SKIP_REASON, postgres_binaries, postgres_server
from tests.support.stack import Conversation, running_stack


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One throwaway PostgreSQL cluster for the whole run (tests/support/pg.py)."""
    if postgres_binaries() is None:
        pytest.skip(SKIP_REASON)
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("var"), token="test-token") as running:
        yield running


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """One Debian Chromium for the whole session (widget and staff console tests).

    One fixture, defined here, because Playwright's sync API allows only one
    instance per thread at a time.
    """
    from tests.support.widget import CHROMIUM, CHROMIUM_ARGS, missing

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
