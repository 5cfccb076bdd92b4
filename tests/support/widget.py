"""Driving the widget like a resident in Debian's Chromium.

Playwright locators pierce its open shadow root.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List

import pytest

from bot.settings import PROJECT_ROOT
from bot.wording import catalogue

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

AXE = PROJECT_ROOT / "bot" / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"

LAUNCHER = "signpost-chat .launcher"
PANEL = "signpost-chat .panel"
INPUT = "signpost-chat #sp-input"
LOG = "signpost-chat [role=log]"
STATUS = "signpost-chat [role=status]"


def missing(what: str) -> None:
    """Skip on a developer's machine, fail in CI where everything must be installed."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(what)
    pytest.skip(what)


def open_widget(page: Any) -> None:
    page.locator(LAUNCHER).click()
    page.locator(INPUT).wait_for(state="visible")


def send(page: Any, text: str) -> None:
    """Type and press Enter, then wait until the reply (or a failure) has landed."""
    before = bot_count(page)
    page.locator(INPUT).fill(text)
    page.locator(INPUT).press("Enter")
    wait_for_reply(page, before)


def bot_count(page: Any) -> int:
    return page.locator(f"{LOG} .msg.bot").count()


def wait_for_reply(page: Any, before: int, timeout: float = 60000) -> None:
    page.wait_for_function(
        """([before]) => {
            const root = document.querySelector('signpost-chat').shadowRoot;
            return root.querySelectorAll('.msg.bot').length > before && !root.querySelector('.typing');
        }""",
        arg=[before],
        timeout=timeout,
    )


def log_text(page: Any) -> str:
    return page.locator(LOG).inner_text()


def saved(page: Any) -> Dict[str, Any]:
    return json.loads(page.evaluate("sessionStorage.getItem('signpost-chat')") or "null") or {}


def active_element(page: Any) -> str:
    """What has focus, looking inside the widget's shadow root: 'tag.class#id "text"'."""
    return page.evaluate(
        """() => {
            let el = document.activeElement;
            while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
            if (!el) return '';
            const classes = el.className ? '.' + String(el.className).split(' ').join('.') : '';
            return el.tagName.toLowerCase() + classes
                + (el.id ? '#' + el.id : '') + ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
        }"""
    )


def run_axe(page: Any) -> List[Dict[str, Any]]:
    """axe-core on the whole page (it walks open shadow roots); serious and critical only."""
    if not AXE.exists():
        missing("axe-core is not installed: npm ci --prefix bot/web")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def language_page(
    page: Any, site_url: str, rasa_url: str, html_lang: str = "en", data_lang: str = ""
) -> None:
    """A council page of the given ``<html lang>`` with the widget (``data-lang`` if given) and no data-title.

    Served by the browser itself (``page.route``) on the site's origin, so /widget.js comes from the server.
    """
    url = site_url + "/language-test.html"
    lang_attribute = f' data-lang="{data_lang}"' if data_lang else ""
    body = (
        f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8"><title>Council</title></head>'
        f"<body><main><h1>Council</h1></main>"
        f'<script src="/widget.js" defer data-server="{rasa_url}"{lang_attribute}></script></body></html>'
    )
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=body))
    page.goto(url)
    page.locator(LAUNCHER).wait_for()


def widget_attribute(page: Any, selector: str, name: str) -> Any:
    """An attribute of the first element matching ``selector`` inside the widget's shadow root."""
    return page.locator(f"signpost-chat {selector}").first.get_attribute(name)


def own_words(page: Any) -> Dict[str, str]:
    """The widget's own words on screen, by catalogue name."""
    return {
        "launcher": page.locator(LAUNCHER).inner_text().strip(),
        "title": page.locator("signpost-chat #sp-title").inner_text(),
        "end": page.locator("signpost-chat header button").nth(0).inner_text(),
        "close": page.locator("signpost-chat header button").nth(1).inner_text(),
        "language": page.locator("signpost-chat label[for=sp-lang]").inner_text(),
        "label": page.locator("signpost-chat label[for=sp-input]").inner_text(),
        "send": page.locator("signpost-chat form .send").last.inner_text(),
    }


def catalogue_words(language: str) -> Dict[str, str]:
    """What :func:`own_words` should find: the catalogue's entries in ``language`` (English if not yet)."""
    words = catalogue(language)
    names = ("launcher", "title", "end", "close", "language", "label", "send")
    return {name: words.text(f"widget.{name}") for name in names}
