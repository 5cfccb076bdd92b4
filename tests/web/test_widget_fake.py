"""The widget against scripted Rasa answers: rendering, safety, network trouble, accessibility.

Rasa is replaced by ``page.route`` so failures (connection refused, HTTP 500)
can be produced exactly and what "reached the server" can be counted.
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import requests

from bot.web.settings import parse_origins
from tests.support.web import FAKE_RASA, FakeRasa, WebServer
from tests.support.widget import (
    INPUT,
    LAUNCHER,
    LOG,
    PANEL,
    STATUS,
    active_element,
    bot_count,
    log_text,
    open_widget,
    run_axe,
    saved,
    send,
    wait_for_reply,
)

WIDGET_JS = Path(__file__).resolve().parents[2] / "bot" / "web" / "static" / "widget.js"

HUBS = [
    {
        "id": "h1",
        "name": "Millennium Library",
        "address": "The Forum, Millennium Plain",
        "postcode": "NR2 1TF",
        "latitude": 52.6279,
        "longitude": 1.2918,
        "distance_miles": 0.43,
        "distance_text": "0.4 miles",
        "phone": "01603 774774",
        "url": "https://example.org/library",
        "open_now": True,
        "hours_today": "9am to 7pm",
        "hours_text": "Open now. Today: 9am to 7pm.",
        "booking": "drop_in",
        "booking_text": "Just drop in.",
    },
    {
        "id": "h2",
        "name": "Age UK Norwich",
        "address": "Charing Cross",
        "postcode": "NR2 4AL",
        "latitude": 52.6301,
        "longitude": 1.2890,
        "distance_miles": 1.0,
        "distance_text": "1 mile",
        "phone": "01603 496333",
        "url": "javascript:alert(1)",
        "open_now": False,
        "hours_today": "Closed today",
        "hours_text": "Closed now. Opens tomorrow at 9am.",
        "booking": "appointment",
        "booking_text": "You need to book first.",
    },
]


def rasa_like(message: str) -> List[Dict[str, Any]]:
    """Answers shaped like the real REST channel's (bot/channels/output.py: text and structure together)."""
    if message == "i need a laptop":
        return [
            {"recipient_id": "x", "text": "I can help with that.\nSee https://example.org/laptops."},
            {
                "recipient_id": "x",
                "text": "Where are you? Send me your postcode, for example NR2 1TF.",
                "custom": {"type": "ask_location"},
            },
        ]
    if message == "which one":  # asks for a postcode in other words; only the structure says so
        return [
            {
                "recipient_id": "x",
                "text": "Which place do you mean? Tell me your area.",
                "custom": {"type": "ask_location"},
            }
        ]
    if message == "postcode words":  # the words of the question without its structure: just text
        return [{"recipient_id": "x", "text": "Where are you? Send me your postcode, for example NR2 1TF."}]
    if message == "NR3 2AB":
        listing = "\n\n".join(f"{i}. {h['name']}\n{h['address']}" for i, h in enumerate(HUBS, 1))
        return [
            {"recipient_id": "x", "text": "Here are the nearest places that can help, near NR3 2AB:"},
            {
                "recipient_id": "x",
                "text": listing,
                "buttons": [
                    {"title": "Talk to a person", "payload": "/talk_to_human"},
                    {"title": "Something else", "payload": "/ask_capabilities"},
                ],
                "custom": {"type": "hubs", "hubs": HUBS},
            },
        ]
    if message == "/talk_to_human":
        return [{"recipient_id": "x", "text": "Call us on 0344 980 3333, Monday to Friday."}]
    return [{"recipient_id": "x", "text": f"You wrote: {message}"}]


@pytest.fixture
def fake(page: Any) -> FakeRasa:
    return FakeRasa(rasa_like).serve(page)


def goto(page: Any, site: WebServer) -> None:
    page.goto(site.url + "/")
    page.locator(LAUNCHER).wait_for()


# ---------- the web server (no browser) ----------


def test_widget_words_come_from_the_catalogue(fake_site: WebServer) -> None:
    """The served script carries the catalogue's widget.* messages; its source holds none of them."""
    from bot.wording import catalogue

    words = catalogue("en").prefixed("widget.")
    served = requests.get(fake_site.url + "/widget.js", timeout=5).text
    source = WIDGET_JS.read_text(encoding="utf-8")
    for name, text in words.items():
        for form in text.values() if isinstance(text, dict) else [text]:
            sample = form.split("{")[0].strip()
            if len(sample) > 3:
                assert json.dumps(sample)[1:-1] in served, name
                assert json.dumps(sample)[:-1] not in source, f"widget.js still says {sample!r} ({name})"
    assert (
        "What do you need help with?"
        in json.loads(served.split("var STRINGS = ")[1].split(";\n")[0])["en"]["welcome"]
    )


def test_server_serves_widget_demo_and_forget(fake_site: WebServer) -> None:
    demo = requests.get(fake_site.url + "/", timeout=5)
    assert demo.ok and "connect-src 'self' http://127.0.0.1:9" in demo.headers["Content-Security-Policy"]
    assert len(re.findall(r"<script\b", demo.text)) == 1
    assert 'data-server="http://127.0.0.1:9"' in demo.text and 'src="/widget.js"' in demo.text
    script = requests.get(fake_site.url + "/widget.js", headers={"Accept-Encoding": "gzip"}, timeout=5)
    assert script.headers["Content-Encoding"] == "gzip" and "javascript" in script.headers["Content-Type"]
    assert len(gzip.compress(WIDGET_JS.read_bytes(), 9)) < 30 * 1024

    assert requests.get(fake_site.url + "/health", timeout=5).json() == {"status": "ok"}
    origin = fake_site.url
    preflight = requests.options(
        fake_site.url + "/api/forget",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=5,
    )
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == origin
    hostile = requests.post(
        fake_site.url + "/api/forget",
        json={"sender": "abcdefgh1234"},
        headers={"Origin": "https://evil.example"},
        timeout=5,
    )
    assert hostile.status_code == 403 and "Access-Control-Allow-Origin" not in hostile.headers
    bad = requests.post(
        fake_site.url + "/api/forget", json={"sender": "../x"}, headers={"Origin": origin}, timeout=5
    )
    assert bad.status_code == 400

    db = sqlite3.connect(fake_site.settings.tracker_db)
    db.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL)")
    db.executemany(
        "INSERT INTO events (sender_id, timestamp) VALUES (?, 0)",
        [("keepme12",), ("forgetme1",), ("forgetme1",)],
    )
    db.commit()
    forgot = requests.post(
        fake_site.url + "/api/forget", json={"sender": "forgetme1"}, headers={"Origin": origin}, timeout=5
    )
    assert forgot.json() == {"deleted": 2} and forgot.headers["Access-Control-Allow-Origin"] == origin
    assert db.execute("SELECT sender_id FROM events").fetchall() == [("keepme12",)]


def test_origins_are_parsed_without_trailing_slashes() -> None:
    assert parse_origins(" https://a.gov.uk/, http://localhost:8080 ,") == (
        "https://a.gov.uk",
        "http://localhost:8080",
    )


# ---------- rendering ----------


def test_text_links_quick_replies_and_hub_cards(page: Any, fake_site: WebServer, fake: FakeRasa) -> None:
    goto(page, fake_site)
    open_widget(page)
    send(page, "i need a laptop")
    link = page.locator(f"{LOG} a", has_text="https://example.org/laptops")
    assert link.get_attribute("href") == "https://example.org/laptops"  # trailing full stop left out
    assert "I can help with that.\nSee" in log_text(page)  # newline kept as a line break
    send(page, "NR3 2AB")
    cards = page.locator(f"{LOG} .card")
    assert cards.count() == 2
    first = cards.nth(0)
    assert first.locator("h3").inner_text() == "Millennium Library"
    assert "0.4 miles away" in first.inner_text() and "Open now." in first.inner_text()
    assert first.locator(".open").inner_text() == "Open now. Today: 9am to 7pm."
    assert cards.nth(1).locator(".closed").inner_text() == "Closed now. Opens tomorrow at 9am."
    assert first.locator("a[href^='tel:']").get_attribute("href") == "tel:01603774774"
    assert first.locator("a[href*='openstreetmap']").get_attribute("href") == (
        "https://www.openstreetmap.org/?mlat=52.6279&mlon=1.2918#map=17/52.6279/1.2918"
    )
    assert cards.nth(1).locator("a[href^='javascript']").count() == 0
    assert "Just drop in." in first.inner_text() and "1 mile away" in cards.nth(1).inner_text()
    # The text copy of the list, sent with the cards for text-only clients, is not shown: the cards say it.
    assert log_text(page).count("Charing Cross") == 1
    assert "near NR3 2AB:" in log_text(page)
    page.locator(f"{LOG} .choices button", has_text="Talk to a person").click()
    wait_for_reply(page, 3)
    assert page.locator(f"{LOG} .msg.user").last.inner_text().endswith("Talk to a person")
    assert fake.received[-1] == "/talk_to_human"
    assert page.locator(f"{LOG} .choices").count() == 0
    assert page.locator(f"{LOG} a[href='tel:03449803333']").count() == 1


def test_use_my_location_follows_structure_not_words(page: Any, fake_site: WebServer, fake: FakeRasa) -> None:
    """ "Use my location" comes with a reply marked ask_location, whatever its words, and only then."""
    goto(page, fake_site)
    open_widget(page)
    location = page.locator(f"{LOG} .choices button", has_text="Use my location")
    send(page, "postcode words")
    assert location.count() == 0
    send(page, "which one")
    assert location.count() == 1
    send(page, "i need a laptop")
    assert location.count() == 1  # the old one went with the new message


def test_html_from_resident_and_bot_is_shown_as_text(page: Any, fake_site: WebServer, fake: FakeRasa) -> None:
    dialogs: List[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    goto(page, fake_site)
    open_widget(page)
    evil = "<img src=x onerror=alert(1)>"
    send(page, evil)
    assert page.locator(f"{LOG} .msg.user").last.inner_text().endswith(evil)
    assert page.locator(f"{LOG} .msg.bot").last.inner_text().endswith("You wrote: " + evil)
    assert page.locator("signpost-chat img").count() == 0 and page.locator("img").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


# ---------- network trouble ----------


def test_refused_connection_is_retried_and_sent_once(page: Any, fake_site: WebServer) -> None:
    refusals = {"left": 2}

    def answer(message: str) -> Any:
        if refusals["left"]:
            refusals["left"] -= 1
            return "refuse"
        return rasa_like(message)

    rasa = FakeRasa(answer).serve(page)
    goto(page, fake_site)
    open_widget(page)
    page.locator(INPUT).fill("hello there")
    page.locator(INPUT).press("Enter")
    page.locator(STATUS).get_by_text("Cannot connect").wait_for()
    assert "Not sent yet" in page.locator(f"{LOG} .msg.user").last.inner_text()
    page.locator(INPUT).fill("half-typed")  # typing carries on while we wait
    wait_for_reply(page, 1, timeout=20000)
    assert rasa.received == ["hello there"] and rasa.attempts == 3
    assert page.locator(STATUS).inner_text() == "Connected again."
    assert page.locator(INPUT).input_value() == "half-typed"
    assert "Not sent yet" not in log_text(page)


def test_server_error_is_not_resent_without_asking(page: Any, fake_site: WebServer) -> None:
    codes = [500]
    rasa = FakeRasa(lambda m: codes.pop() if codes else rasa_like(m)).serve(page)
    goto(page, fake_site)
    open_widget(page)
    page.locator(INPUT).fill("hello there")
    page.locator(INPUT).press("Enter")
    again = page.locator(f"{LOG} .note button", has_text="Send again")
    again.wait_for()
    assert "may not have been sent" in page.locator(STATUS).inner_text()
    page.wait_for_timeout(2500)
    assert rasa.attempts == 1
    again.click()
    wait_for_reply(page, 1)
    assert rasa.received == ["hello there", "hello there"]  # once per explicit request
    assert page.locator(f"{LOG} .msg.user").count() == 1


def test_a_refusal_from_the_server_is_shown_kindly(page: Any, fake_site: WebServer) -> None:
    """Too many messages (429) or a body too big (413): the channel says why in words; show them."""
    too_many = (
        "You have sent a lot of messages very quickly. Please wait a minute, then send your message again."
    )
    refusals = [(429, [{"recipient_id": "x", "text": too_many, "error": "too_many_messages"}])]
    rasa = FakeRasa(lambda m: refusals.pop() if refusals else rasa_like(m)).serve(page)
    goto(page, fake_site)
    open_widget(page)
    send(page, "hello there")
    assert page.locator(f"{LOG} .msg.bot").last.inner_text().endswith(too_many)
    note = page.locator(f"{LOG} .msg.user").last.locator(".note")
    assert note.inner_text() == "Not sent."
    assert "something went wrong" not in log_text(page) and page.locator(STATUS).inner_text() == ""
    page.reload()
    page.locator(LAUNCHER).wait_for()
    assert (
        page.locator(f"{LOG} .msg.user .note").last.inner_text() == "Not sent."
    )  # not "may not have been sent"
    send(page, "hello again")
    assert rasa.received == ["hello there", "hello again"] and rasa.attempts == 2


# ---------- accessibility ----------


def test_launcher_focus_escape_and_roles(page: Any, fake_site: WebServer, fake: FakeRasa) -> None:
    goto(page, fake_site)
    launcher = page.locator(LAUNCHER)
    assert (
        launcher.inner_text().strip() == "Chat with us" and launcher.get_attribute("aria-expanded") == "false"
    )
    launcher.click()
    assert launcher.get_attribute("aria-expanded") == "true"
    assert active_element(page).startswith("input#sp-input")
    assert page.locator(PANEL).get_attribute("role") == "dialog"
    assert page.locator(LOG).get_attribute("aria-live") == "polite"
    send(page, "hello")
    assert page.locator(f"{LOG} .msg.user .sr").inner_text() == "You said:"
    assert page.locator(f"{LOG} .msg.bot .sr").last.inner_text() == "Chat bot said:"
    page.keyboard.press("Escape")
    assert page.locator(PANEL).is_hidden() and launcher.get_attribute("aria-expanded") == "false"
    assert active_element(page).startswith("button.launcher")


@contextmanager
def own_context(
    browser: Any, site: WebServer, answer: Optional[Callable[[str], Any]] = rasa_like, **options: Any
) -> Iterator[Any]:
    """The widget open in a browser context of its own (viewport, colours, CSP); None: Rasa never answers."""
    context = browser.new_context(**options)
    try:
        page = context.new_page()
        page.route(
            f"{FAKE_RASA}/webhooks/rest/webhook", FakeRasa(answer).handle if answer else lambda route: None
        )
        goto(page, site)
        open_widget(page)
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("width,height", [(320, 640), (640, 400)], ids=["320px", "200pc-zoom"])
def test_small_screens_and_zoom_fit_and_targets_are_big(
    chromium_browser: Any, fake_site: WebServer, width: int, height: int
) -> None:
    with own_context(chromium_browser, fake_site, viewport={"width": width, "height": height}) as page:
        send(page, "i need a laptop")
        send(page, "NR3 2AB")
        box = page.locator(PANEL).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["height"] <= height
        overflow = page.evaluate("""() => [...document.querySelector('signpost-chat').shadowRoot
            .querySelectorAll('*')]
            .filter(e => !e.matches('.sr') && e.scrollWidth > e.clientWidth + 1
                && getComputedStyle(e).overflowX !== 'visible').length""")
        assert overflow == 0
        assert page.locator(INPUT).is_visible()
        small = page.evaluate("""() => [...document.querySelector('signpost-chat').shadowRoot
            .querySelectorAll('button, input, .links a')]
            .filter(e => e.offsetParent).map(e => [e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([, r]) => r.width < 24 || r.height < 24).map(([t]) => t)""")
        assert small == []


def test_forced_colours_and_reduced_motion(chromium_browser: Any, fake_site: WebServer) -> None:
    # Rasa never answers: "typing" stays on screen.
    with own_context(
        chromium_browser, fake_site, None, forced_colors="active", reduced_motion="reduce"
    ) as page:
        page.locator(INPUT).fill("hello")
        page.locator(INPUT).press("Enter")
        dot = page.locator("signpost-chat .typing span").first
        dot.wait_for()
        assert dot.evaluate("e => getComputedStyle(e).animationName") == "none"
        assert page.locator(STATUS).inner_text() == "Chat bot is writing a reply."
        borders = page.evaluate("""() => [...document.querySelector('signpost-chat').shadowRoot
            .querySelectorAll('.bubble, button, input')]
            .filter(e => e.offsetParent).map(e => parseFloat(getComputedStyle(e).borderTopWidth))""")
        assert borders and min(borders) >= 2


def test_axe_finds_no_serious_problems(chromium_browser: Any, fake_site: WebServer) -> None:
    with own_context(chromium_browser, fake_site, bypass_csp=True) as page:  # lets axe be injected
        send(page, "i need a laptop")
        send(page, "NR3 2AB")
        page.locator("signpost-chat header button", has_text="End chat").click()  # the confirmation too
        assert run_axe(page) == []


def test_keeps_the_conversation_across_reload(page: Any, fake_site: WebServer, fake: FakeRasa) -> None:
    goto(page, fake_site)
    open_widget(page)
    send(page, "i need a laptop")
    sender = saved(page)["sender"]
    assert re.fullmatch(r"[0-9a-f]{32}", sender)
    page.reload()
    page.locator(INPUT).wait_for(state="visible")  # still open
    assert "Where are you?" in log_text(page) and saved(page)["sender"] == sender
    assert bot_count(page) == 3  # welcome + two answers
