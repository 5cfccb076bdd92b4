"""Fixtures for the widget: our web server in a thread, Debian's Chromium via Playwright.

Browser tests skip with a reason when Chromium or Playwright is missing on a
developer's machine, but fail in CI (``CI=true``), where both must be there.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.support.web import FAKE_RASA, WebServer, web_settings


@pytest.fixture(scope="session")
def fake_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """The demo page pointing at FAKE_RASA, for tests that script Rasa's answers."""
    server = WebServer(web_settings(FAKE_RASA, tmp_path_factory.mktemp("web") / "tracker.db")).start()
    yield server
    server.stop()


@pytest.fixture
def page(chromium_browser: Any) -> Iterator[Any]:
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
