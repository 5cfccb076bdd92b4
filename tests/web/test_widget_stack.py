"""The widget on the demo page talking to the real Rasa server and action server.

Set SIGNPOST_SCREENSHOTS=1 to refresh docs/screenshots/widget-*.png (they are
also written when missing).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from dataclasses import dataclass
from typing import Any, List

import pytest

from bot.referrals.codes import normalise
from bot.runner import Stack
from tests.support.widget import (
    INPUT,
    LAUNCHER,
    LOG,
    PANEL,
    SCREENSHOTS,
    STATUS,
    active_element,
    bot_count,
    catalogue_words,
    log_text,
    open_widget,
    own_words,
    run_axe,
    saved,
    send,
    wait_for_reply,
    widget_attribute,
)

pytestmark = pytest.mark.stack

NEED = "i cant afford a laptop"
POSTCODE = "NR3 2AB"
ARABIC_NEED = "أحتاج إلى حاسوب محمول"  # "I need a laptop"
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")


@dataclass
class Site:
    url: str


@pytest.fixture(scope="module")
def site(stack: Stack) -> Site:
    """The stack's own web server (``python -m bot web``, as ``make run`` starts it)."""
    assert stack.web_port, "the test stack starts the web server"
    return Site(f"http://127.0.0.1:{stack.web_port}")


def goto(page: Any, site: Site) -> None:
    page.goto(site.url + "/")
    page.locator(LAUNCHER).wait_for()


def user_texts(stack: Stack, sender: str) -> List[str]:
    """What Rasa's tracker store holds as this resident's messages."""
    with sqlite3.connect(stack.settings.tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchall()
    return [json.loads(data).get("text") for (data,) in rows]


def reach_hubs(page: Any) -> None:
    send(page, NEED)
    assert "postcode" in log_text(page).lower()
    send(page, POSTCODE)
    page.locator(f"{LOG} .card").first.wait_for()


def test_from_need_to_hub_card_and_a_quick_reply(page: Any, site: Site) -> None:
    goto(page, site)
    open_widget(page)
    reach_hubs(page)
    card = page.locator(f"{LOG} .card").first
    assert card.locator("h3").inner_text()
    assert "miles away" in card.inner_text() or "mile away" in card.inner_text()
    assert card.locator("a[href^='https://www.openstreetmap.org/?mlat=']").count() == 1
    tel = card.locator("a[href^='tel:']")
    assert tel.count() == 0 or tel.get_attribute("href").replace("tel:", "").lstrip("+").isdigit()
    # The answer ends with its referral code, drawn from the referral payload; no Notify here, so no texts.
    box = page.locator(f"{LOG} .referral")
    code = box.locator(".code strong").inner_text()
    assert normalise(code) == code and f"Your code is {code}." in box.inner_text()
    assert box.locator("button", has_text="Print").is_visible() and box.locator("input").count() == 0
    before = bot_count(page)
    page.locator(f"{LOG} .choices button", has_text="Something else").click()
    wait_for_reply(page, before)
    assert page.locator(f"{LOG} .msg.user").last.inner_text().endswith("Something else")
    assert "/ask_capabilities" not in log_text(page)


def test_keyboard_only(page: Any, site: Site) -> None:
    goto(page, site)
    for _ in range(40):
        page.keyboard.press("Tab")
        if active_element(page).startswith("button.launcher"):
            break
    else:
        pytest.fail("Tab never reached the launcher")
    page.keyboard.press("Enter")
    assert active_element(page).startswith("input#sp-input")
    for text in (NEED, POSTCODE):
        before = bot_count(page)
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        wait_for_reply(page, before)
    page.locator(f"{LOG} .card").first.wait_for()
    page.keyboard.press("Shift+Tab")
    assert active_element(page) == 'button "Something else"'
    before = bot_count(page)
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert page.locator(f"{LOG} .msg.user").last.inner_text().endswith("Something else")
    assert active_element(page).startswith("input#sp-input")
    page.keyboard.press("Escape")
    assert page.locator(PANEL).is_hidden()
    assert active_element(page).startswith("button.launcher")
    page.keyboard.press("Enter")
    assert active_element(page).startswith("input#sp-input")


def test_reload_keeps_the_session_and_end_chat_clears_it(page: Any, site: Site, stack: Stack) -> None:
    goto(page, site)
    open_widget(page)
    send(page, NEED)
    sender = saved(page)["sender"]
    page.reload()
    page.locator(INPUT).wait_for(state="visible")
    assert saved(page)["sender"] == sender and NEED in log_text(page)
    send(page, POSTCODE)  # Rasa still knows the need: straight to the hubs
    page.locator(f"{LOG} .card").first.wait_for()
    assert user_texts(stack, sender) == [NEED, POSTCODE]

    page.locator("signpost-chat header button", has_text="End chat").click()
    assert "End this chat?" in active_element(page)
    page.locator("signpost-chat .confirm button", has_text="Yes, end chat").click()
    page.locator(STATUS).get_by_text("Chat ended. Your messages have been deleted.").wait_for()
    assert user_texts(stack, sender) == []
    assert saved(page)["sender"] != sender
    assert NEED not in log_text(page) and bot_count(page) == 1  # just the welcome


def test_html_typed_by_a_resident_is_shown_as_text(page: Any, site: Site) -> None:
    dialogs: List[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    goto(page, site)
    open_widget(page)
    evil = "<img src=x onerror=alert(1)>"
    send(page, evil)
    assert page.locator(f"{LOG} .msg.user").last.inner_text().endswith(evil)
    assert page.locator("signpost-chat img").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


@pytest.mark.parametrize("name,width,height", [("desktop", 1280, 800), ("mobile", 320, 640)])
def test_axe_and_screenshots(chromium_browser: Any, site: Site, name: str, width: int, height: int) -> None:
    context = chromium_browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    goto(page, site)
    open_widget(page)
    reach_hubs(page)
    violations = run_axe(page)
    path = SCREENSHOTS / f"widget-{name}.png"
    if os.environ.get("SIGNPOST_SCREENSHOTS") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        page.locator(INPUT).blur()
        page.mouse.move(0, 0)
        page.screenshot(path=str(path))
    context.close()
    assert violations == [], json.dumps(violations, indent=1)


def test_rasa_stopped_mid_chat_then_restarted(page: Any, site: Site, stack: Stack) -> None:
    goto(page, site)
    open_widget(page)
    send(page, NEED)
    sender = saved(page)["sender"]
    stack.rasa.stop()
    try:
        before = bot_count(page)
        page.locator(INPUT).fill(POSTCODE)
        page.locator(INPUT).press("Enter")
        page.locator(STATUS).get_by_text("Cannot connect").wait_for(timeout=20000)
        assert "Not sent yet" in page.locator(f"{LOG} .msg.user").last.inner_text()
        stack.rasa.start()
        stack.wait_healthy(180, [stack.rasa])
        wait_for_reply(page, before, timeout=30000)
    finally:
        if not stack.rasa.running():
            stack.rasa.start()
            stack.wait_healthy(180, [stack.rasa])
    page.locator(f"{LOG} .card").first.wait_for()
    assert page.locator(STATUS).inner_text() == "Connected again."
    assert user_texts(stack, sender) == [NEED, POSTCODE]  # sent exactly once


def test_in_arabic_right_to_left_and_answered_in_arabic(
    chromium_browser: Any, site: Site, stack: Stack
) -> None:
    """A council page with data-lang="ar": the widget is right to left in the Arabic catalogue's words, the
    hint reaches Rasa through the REST channel, which answers in Arabic and says so; axe finds nothing."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(site.url + "/?lang=ar")  # the demo page with data-lang="ar"
        page.locator(LAUNCHER).wait_for()
        assert widget_attribute(page, ".root", "dir") == "rtl"
        open_widget(page)
        assert own_words(page) == catalogue_words("ar")
        with page.expect_response(lambda r: r.url.endswith("/webhooks/rest/webhook")) as answer:
            send(page, ARABIC_NEED)
        replies = answer.value.json()
        assert replies and {r.get("language") for r in replies} == {"ar"}, replies
        assert all(ARABIC_SCRIPT.search(r["text"]) for r in replies if r.get("text")), replies
        reply = page.locator(f"{LOG} .msg.bot").last
        assert reply.get_attribute("lang") == "ar" and reply.locator(".bubble").get_attribute("dir") == "auto"
        assert page.locator(f"{LOG} .msg.user").last.get_attribute("lang") == "ar"
        send(page, POSTCODE)
        assert widget_attribute(page, ".root", "lang") == "ar"  # still: the bot answers in Arabic
        violations = run_axe(page)
        path = SCREENSHOTS / "widget-arabic.png"
        if os.environ.get("SIGNPOST_SCREENSHOTS") or not path.exists():
            page.locator(INPUT).blur()
            page.mouse.move(0, 0)
            page.screenshot(path=str(path))
        assert violations == [], json.dumps(violations, indent=1)
    finally:
        context.close()
