"""The widget in the resident's language: data-lang, the page's lang, the picker, right to left, LANGUAGES.

Words are compared with the catalogue (``bot.wording.catalogue``), whatever its translators have written
so far: an entry not yet translated is English there and here. Rasa is scripted (``page.route``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Iterator, List
from urllib.parse import urlencode

import pytest
import requests
from babel import Locale

from bot.web.pages import widget_strings
from bot.web.settings import load as load_web_settings
from bot.wording import SUPPORTED_LANGUAGES, catalogue
from tests.support.fake_notify import FakeNotify
from tests.support.texts import texting_settings
from tests.support.web import FAKE_RASA, FakeRasa, WebServer, web_settings
from tests.support.widget import (
    LAUNCHER,
    LOG,
    catalogue_words,
    language_page,
    open_widget,
    own_words,
    run_axe,
    saved,
    send,
    widget_attribute,
)

ROOT = "signpost-chat .root"
PICKER = "signpost-chat #sp-lang"
SCREENSHOT = Path("/tmp/signpost-widget-arabic.png")


def answer(message: str) -> List[Dict[str, Any]]:
    """Rasa's reply; it starts with Latin letters, as a place name or postcode would."""
    return [{"recipient_id": "x", "text": f"NR2 1TF: {message}"}]


@pytest.fixture
def rasa(page: Any) -> FakeRasa:
    return FakeRasa(answer).serve(page)


def test_arabic_is_right_to_left_with_each_message_marked(
    page: Any, fake_site: WebServer, rasa: FakeRasa
) -> None:
    language_page(page, fake_site.url, FAKE_RASA, html_lang="en", data_lang="ar")
    assert widget_attribute(page, ".root", "dir") == "rtl" and widget_attribute(page, ".root", "lang") == "ar"
    open_widget(page)
    assert own_words(page) == catalogue_words("ar")
    assert page.locator(PICKER).input_value() == "ar"
    welcome = page.locator(f"{LOG} #sp-welcome")
    assert welcome.get_attribute("lang") == "ar"
    assert widget_strings("ar")["welcome"].split("\n")[0] in welcome.inner_text()

    send(page, "مرحبا")
    assert rasa.metadata == [{"channel": "web", "language": "ar"}]
    mine, reply = page.locator(f"{LOG} .msg.user").last, page.locator(f"{LOG} .msg.bot").last
    assert mine.get_attribute("lang") == "ar" and reply.get_attribute("lang") == "ar"
    for bubble in (mine.locator(".bubble"), reply.locator(".bubble")):
        assert bubble.get_attribute("dir") == "auto"
    # "Chat bot said:" is the widget's, marked as such, and leaves the message's direction to its own words.
    said = reply.locator(".sr")
    assert said.get_attribute("lang") == "ar" and said.get_attribute("dir") == "rtl"
    assert said.inner_text() == catalogue("ar").text("widget.bot").strip()
    direction = "e => getComputedStyle(e).direction"
    assert reply.locator(".bubble").evaluate(direction) == "ltr"  # it starts "NR2 1TF"
    assert mine.locator(".bubble").evaluate(direction) == "rtl"
    # Mirrored: the bot's bubbles on the right, the resident's on the left.
    log_box = page.locator(LOG).bounding_box()
    reply_box, mine_box = reply.locator(".bubble").bounding_box(), mine.locator(".bubble").bounding_box()
    assert log_box["x"] + log_box["width"] - (reply_box["x"] + reply_box["width"]) < 40
    assert mine_box["x"] - log_box["x"] < 40
    page.screenshot(path=str(SCREENSHOT))
    assert run_axe(page) == []


@pytest.mark.parametrize(
    "html_lang,data_lang,expected,direction",
    [
        ("cy", "", "cy", "ltr"),
        ("cy-GB", "", "cy", "ltr"),
        ("ur", "", "ur", "rtl"),
        ("cy", "pl", "pl", "ltr"),
        ("fr", "", "en", "ltr"),
        ("en", "xx", "en", "ltr"),
    ],
    ids=["page-cy", "page-cy-GB", "page-ur", "data-lang-wins", "page-fr", "data-lang-unknown"],
)
def test_the_starting_language_is_data_lang_else_the_page_else_english(
    page: Any,
    fake_site: WebServer,
    rasa: FakeRasa,
    html_lang: str,
    data_lang: str,
    expected: str,
    direction: str,
) -> None:
    language_page(page, fake_site.url, FAKE_RASA, html_lang=html_lang, data_lang=data_lang)
    assert widget_attribute(page, ".root", "lang") == expected
    assert widget_attribute(page, ".root", "dir") == direction
    open_widget(page)
    assert own_words(page) == catalogue_words(expected)
    send(page, "hello")
    assert rasa.metadata[-1] == {"channel": "web", "language": expected}


@pytest.mark.parametrize("asked,expected", [("cy", "cy"), ("ar", "ar"), ("fr", "en"), ('"><script>', "en")])
def test_the_demo_page_shows_the_widget_in_the_language_in_its_address(
    page: Any, fake_site: WebServer, asked: str, expected: str
) -> None:
    page.goto(fake_site.url + "/?" + urlencode({"lang": asked}))
    page.locator(LAUNCHER).wait_for()
    assert page.locator("script[src='/widget.js']").get_attribute("data-lang") == expected
    assert widget_attribute(page, ".root", "lang") == expected


def test_the_picker_changes_the_words_at_once_and_is_sent_as_the_hint(
    page: Any, fake_site: WebServer, rasa: FakeRasa
) -> None:
    language_page(page, fake_site.url, FAKE_RASA, html_lang="en")
    open_widget(page)
    options = page.locator(f"{PICKER} option")
    offered = [
        (o.get_attribute("value"), o.get_attribute("lang"), o.inner_text() or "") for o in options.all()
    ]
    assert [code for code, _, _ in offered] == list(SUPPORTED_LANGUAGES)  # LANGUAGES unset: all of them
    # A globe beside the label, for someone who cannot read it; hidden from screen readers.
    assert page.locator("signpost-chat label[for=sp-lang] svg[aria-hidden=true]").count() == 1
    for code, lang, name in offered:  # each language named in itself
        assert lang == code and name.casefold() == str(Locale.parse(code).get_display_name(code)).casefold()

    send(page, "hello")
    said_in_english = page.locator(f"{LOG} .msg.bot").last.inner_text()
    page.locator(PICKER).select_option("cy")
    assert own_words(page) == catalogue_words("cy")
    assert widget_attribute(page, ".root", "lang") == "cy"
    assert page.locator(f"{LOG} #sp-welcome").get_attribute("lang") == "cy"
    english = page.locator(f"{LOG} .msg.bot", has_text=said_in_english.splitlines()[-1])
    assert english.get_attribute("lang") == "en"  # said in English, stays so
    assert page.locator(f"{LOG} .msg.bot .sr").last.inner_text() == catalogue("cy").text("widget.bot").strip()
    # In the middle of a chat the pick asks Rasa to answer in Welsh too, shown as the language's own name.
    page.locator(f"{LOG} .msg.user", has_text="Cymraeg").wait_for()
    assert rasa.received[-1] == '/change_language{"language":"cy"}'

    send(page, "helo")
    assert [m["language"] for m in rasa.metadata] == ["en", "cy", "cy"]
    assert page.locator(f"{LOG} .msg.bot").last.get_attribute("lang") == "cy"
    assert saved(page)["lang"] == "cy"
    page.reload()  # sessionStorage remembers the choice, over the page's language
    page.locator(LAUNCHER).wait_for()
    assert widget_attribute(page, ".root", "lang") == "cy" and page.locator(PICKER).input_value() == "cy"

    page.locator(PICKER).select_option("ar")  # and back the other way: right to left at once
    assert widget_attribute(page, ".root", "dir") == "rtl" and own_words(page) == catalogue_words("ar")


def test_the_widget_follows_the_language_the_bot_answers_in(page: Any, fake_site: WebServer) -> None:
    """The REST channel's own word on the language it answered in marks both messages, and the widget's words
    follow it (someone writing Polish on an English page gets Polish buttons), kept over a reload."""
    rasa = FakeRasa(
        lambda m: [{"recipient_id": "x", "text": "Cześć! W czym mogę pomóc?", "language": "pl"}]
    ).serve(page)
    language_page(page, fake_site.url, FAKE_RASA, html_lang="en")
    open_widget(page)
    send(page, "dzień dobry")
    assert rasa.metadata[-1]["language"] == "en"
    assert page.locator(f"{LOG} .msg.bot").last.get_attribute("lang") == "pl"
    assert page.locator(f"{LOG} .msg.user").last.get_attribute("lang") == "pl"  # taken to be Polish
    assert widget_attribute(page, ".root", "lang") == "pl" and own_words(page) == catalogue_words("pl")
    assert page.locator(PICKER).input_value() == "pl"
    send(page, "laptop")
    assert rasa.metadata[-1]["language"] == "pl"
    page.reload()
    page.locator(f"{LOG} .msg.user").last.wait_for(state="attached")
    assert page.locator(f"{LOG} .msg.user").first.get_attribute("lang") == "pl"
    assert widget_attribute(page, ".root", "lang") == "pl"


def test_a_language_picked_by_the_resident_is_kept_whatever_the_bot_answers_in(
    page: Any, fake_site: WebServer
) -> None:
    rasa = FakeRasa(lambda m: [{"recipient_id": "x", "text": "Hello!", "language": "en"}]).serve(page)
    language_page(page, fake_site.url, FAKE_RASA, html_lang="en")
    open_widget(page)
    page.locator(PICKER).select_option("cy")
    send(page, "hello")
    assert rasa.metadata[-1]["language"] == "cy"
    assert page.locator(f"{LOG} .msg.bot").last.get_attribute("lang") == "en"
    assert widget_attribute(page, ".root", "lang") == "cy" and own_words(page) == catalogue_words("cy")


def test_changing_language_does_not_read_the_conversation_out_again(
    page: Any, fake_site: WebServer, rasa: FakeRasa
) -> None:
    """The messages are drawn again in a new list swapped in whole, not added to the live region on screen."""
    language_page(page, fake_site.url, FAKE_RASA, html_lang="en")
    open_widget(page)
    send(page, "hello")
    send(page, "laptop")
    page.evaluate("""() => {
        const log = document.querySelector('signpost-chat').shadowRoot.querySelector('[role=log]');
        window.addedToLiveLog = 0;
        new MutationObserver(changes => changes.forEach(c => window.addedToLiveLog += c.addedNodes.length))
            .observe(log, {childList: true, subtree: true, characterData: true});
    }""")
    page.locator(PICKER).select_option("cy")
    # The old messages are not added again; only the pick, sent as the resident's message, and its answer.
    page.locator(f"{LOG} .msg.user", has_text="Cymraeg").wait_for()
    page.locator(f"{LOG} .msg").nth(6).wait_for()
    assert page.evaluate("window.addedToLiveLog") == 0
    assert page.locator(f"{LOG}").count() == 1 and page.locator(f"{LOG} .msg").count() == 7
    assert page.locator(LOG).get_attribute("aria-label") == catalogue("cy").text("widget.conversation")


def site_with(tmp_path: Path, languages: str) -> WebServer:
    """The web server with ``LANGUAGES`` set to ``languages`` (read as the web process reads it)."""
    chosen = load_web_settings({"LANGUAGES": languages}).languages
    return WebServer(replace(web_settings(FAKE_RASA, tmp_path / "tracker.db"), languages=chosen)).start()


def test_languages_setting_limits_what_the_widget_offers(page: Any, tmp_path: Path) -> None:
    server = site_with(tmp_path, "en,pl")
    try:
        served = requests.get(server.url + "/widget.js", timeout=5).text
        strings = json.loads(served.split("var STRINGS = ")[1].split(";\n")[0])
        assert sorted(strings) == ["en", "pl"]
        language_page(page, server.url, FAKE_RASA, html_lang="cy")  # Welsh is off: English
        assert widget_attribute(page, ".root", "lang") == "en"
        open_widget(page)
        assert [o.get_attribute("value") for o in page.locator(f"{PICKER} option").all()] == ["en", "pl"]
    finally:
        server.stop()


def test_only_english_needs_no_picker(page: Any, tmp_path: Path) -> None:
    server = site_with(tmp_path, "en")
    try:
        language_page(page, server.url, FAKE_RASA, html_lang="ar")
        open_widget(page)
        assert page.locator(PICKER).count() == 0 and widget_attribute(page, ".root", "dir") == "ltr"
    finally:
        server.stop()


# ---------- the referral box and "Text me this" ----------


@pytest.fixture
def texting_site(tmp_path: Path) -> Iterator[WebServer]:
    notify = FakeNotify().start()
    server = WebServer(texting_settings(tmp_path, notify)).start()
    yield server
    server.stop()
    notify.stop()


def test_the_referral_box_and_its_form_follow_the_language(page: Any, texting_site: WebServer) -> None:
    code_reply = {
        "recipient_id": "x",
        "text": "Your code is K7P-3QX. Show it at any of these places in the next 30 days.",
        "custom": {"type": "referral", "code": "K7P-3QX", "days": 30},
    }
    changed = {"recipient_id": "x", "text": "Iawn.", "language": "cy"}  # the answer to the pick itself
    page.route(
        f"{FAKE_RASA}/webhooks/rest/webhook",
        FakeRasa(lambda m: [changed] if m.startswith("/change_language") else [code_reply]).handle,
    )
    language_page(page, texting_site.url, FAKE_RASA, html_lang="en")
    open_widget(page)
    send(page, "laptop NR3 2RJ")
    box = page.locator(f"{LOG} .referral")
    box.locator("button[aria-controls]").click()  # "Text me this" opens its form
    page.locator(PICKER).select_option("cy")
    welsh = catalogue("cy")
    assert box.locator(".code span").inner_text() == welsh.text("widget.yourCode")
    assert box.locator(".actions button").nth(0).inner_text() == welsh.text("widget.print")
    text_me = box.locator("button[aria-controls]")
    assert text_me.inner_text() == welsh.text("widget.textMe")
    text_me.click()
    assert box.locator("form label").inner_text() == welsh.text("widget.mobile")
    assert box.locator("form .hint").inner_text() == welsh.text("widget.mobileHint")
    assert box.locator("form .send").inner_text() == welsh.text("widget.sendText")
    assert box.locator("input[type=tel]").get_attribute("dir") == "ltr"  # a number reads left to right
    assert box.locator("p[lang]").first.get_attribute("lang") == "en"  # Rasa's words, in English
    assert box.locator(".code strong").inner_text() == "K7P-3QX"
    page.evaluate("() => { window.print = () => {}; }")
    box.locator(".actions button").nth(0).click()  # Print: the answer's words marked as on screen
    sheet = page.locator("signpost-chat .print-sheet")
    assert sheet.locator("p[lang=en]").inner_text() == code_reply["text"]
    assert sheet.locator("p[lang=en]").get_attribute("dir") == "auto"
