""" "Text me this" and Print on a referral code: the widget in Chromium, the web server, a fake GOV.UK Notify.

The fake Notify checks the token as Notify does (tests/support/fake_notify.py);
the web server runs over the sample directory with a real code issued by
ReferralStore, and writes its logs and databases under the test's var dir,
which is searched afterwards for the resident's number in every form.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List

import jwt
import pytest
import requests

from bot.referrals import sms
from bot.referrals.store import ReferralStore
from bot.web.settings import load as load_web_settings
from bot.wording import _
from tests.support.fake_notify import FakeNotify
from tests.support.texts import (
    NUMBER,
    NUMBER_FORMS,
    files_containing,
    load_sample,
    logging_to,
    texting_settings,
)
from tests.support.web import FakeRasa, WebServer
from tests.support.widget import LAUNCHER, LOG, open_widget, run_axe, saved, send

PLACES = ("mile-cross-library", "forum-library")  # in the sample directory, nearest first
TEXT_ME = f"{LOG} .referral button[aria-controls]"
MOBILE = f"{LOG} .referral input[type=tel]"
STATUS = f"{LOG} .referral [role=status]"


@pytest.fixture
def var(tmp_path: Path) -> Path:
    folder = tmp_path / "var"
    folder.mkdir()
    return folder


@pytest.fixture
def code(var: Path) -> str:
    engine = load_sample(var)
    try:
        return ReferralStore(engine).issue("get_device", "NR3 2RJ", list(PLACES), "web", 30)
    finally:
        engine.dispose()


@pytest.fixture
def notify() -> Iterator[FakeNotify]:
    fake = FakeNotify().start()
    yield fake
    fake.stop()


@pytest.fixture
def site(var: Path, notify: FakeNotify) -> Iterator[WebServer]:
    """The web server with texts on, logging everything into var/logs/web.log."""
    with logging_to(var / "logs" / "web.log"):
        server = WebServer(texting_settings(var, notify, per_address="3/hour", per_code="2/day")).start()
        yield server
        server.stop()


def answer_with_code(code: str) -> Any:
    """Rasa's answer naming two places and ending with the referral code, as the REST channel sends it."""
    hubs: List[Dict[str, Any]] = [
        {"id": "mile-cross-library", "name": "Mile Cross Library", "address": "Aylsham Road, Norwich"},
        {"id": "forum-library", "name": "Norwich Millennium Library (The Forum)", "phone": "01603 774777"},
    ]
    for hub in hubs:
        hub.update(postcode="NR3 2RJ", latitude=52.649, longitude=1.2858, hours_text="Closed now.")

    def answer(message: str) -> Any:
        return [
            {"recipient_id": "x", "text": "Here are the nearest places that can help, near NR3 2RJ:"},
            {"recipient_id": "x", "text": "1. Mile Cross Library", "custom": {"type": "hubs", "hubs": hubs}},
            {
                "recipient_id": "x",
                "text": f"Your code is {code}. Show it at any of these places in the next 30 days.",
                "buttons": [{"title": "Talk to a person", "payload": "/talk_to_human"}],
                "custom": {"type": "referral", "code": code, "days": 30},
            },
        ]

    return answer


def widget_with_code(browser: Any, site: WebServer, code: str, **options: Any) -> Any:
    """A page of its own with the widget open on an answer that carries ``code``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    page = context.new_page()
    page.set_default_timeout(15000)
    FakeRasa(answer_with_code(code)).serve(page)
    page.goto(site.url + "/")
    page.locator(LAUNCHER).wait_for()
    open_widget(page)
    send(page, "i need a laptop NR3 2RJ")
    return page


def post_text(site: WebServer, **body: Any) -> requests.Response:
    return requests.post(site.url + "/referrals/text", json=body, headers={"Origin": site.url}, timeout=15)


# ---------- the number and the text (no server) ----------


@pytest.mark.parametrize(
    "typed", [NUMBER, "07400123456", "+44 7400 123456", "0044 7400 123456", "(07400) 123-456"]
)
def test_a_uk_mobile_number_in_any_usual_form_is_accepted(typed: str) -> None:
    assert sms.uk_mobile(typed) == "+447400123456"


@pytest.mark.parametrize(
    "typed",
    [
        "01603 774777",
        "+33 6 12 34 56 78",
        "07400 12345",
        "074001234567",
        "call me",
        "",
        "0" * 50,
        None,
        7400123456,
    ],
    ids=[
        "landline",
        "French mobile",
        "too short",
        "too long",
        "words",
        "empty",
        "very long",
        "none",
        "a number",
    ],
)
def test_anything_but_a_uk_mobile_number_is_refused(typed: Any) -> None:
    assert sms.uk_mobile(typed) is None


def test_the_text_says_each_places_hours_for_the_week_and_fits_in_one_notify_message(var: Path) -> None:
    from bot.directory.search import DirectorySearch

    engine = load_sample(var)
    search = DirectorySearch(engine)
    hubs = [search.get_hub(hub_id) for hub_id in PLACES]
    text = sms.compose("K7P-3QX", [h for h in hubs if h], date(2026, 4, 12), today=date(2026, 3, 13))
    assert text.startswith(
        "Your code is K7P-3QX. Show it at one of these places. You can use it until 12 April."
    )
    mile_cross = text.split("\n\n")[1].splitlines()
    assert mile_cross == [
        "Mile Cross Library",
        "Aylsham Road, Norwich, NR3 2RJ",
        "Phone: 01603 774777",
        "Mon, Wed and Fri: 10am to 5pm",  # Mo,We,Fr 10:00-17:00; Tu,Th 13:00-18:00; Sa 10:00-13:00
        "Tue and Thu: 1pm to 6pm",
        "Sat: 10am to 1pm",
        "Sun: closed",
    ]
    assert "Mon to Fri: 9am to 7pm" in text.split("\n\n")[2]  # The Forum
    everything = sms.compose("K7P-3QX", search.all_hubs(), date(2026, 4, 12), today=date(2026, 3, 13))
    assert len(everything) <= sms.MAX_LENGTH and everything.count("\n\n") < len(search.all_hubs())
    engine.dispose()


def test_notify_settings_are_checked_at_start() -> None:
    assert not load_web_settings({}).texts_on
    key = "k-" + "1" * 36 + "-" + "2" * 36
    assert not load_web_settings({"NOTIFY_API_KEY": key}).texts_on  # no template: no button
    on = load_web_settings({"NOTIFY_API_KEY": key, "NOTIFY_SMS_TEMPLATE_ID": "t"})
    assert on.texts_on and on.notify_base_url == "https://api.notifications.service.gov.uk"
    assert key not in repr(on)
    assert str(on.text_per_address) == "5 per 1 hour" and str(on.text_per_code) == "3 per 1 day"
    assert load_web_settings({"TEXT_RATE_LIMIT_PER_CODE": "off"}).text_per_code is None
    with pytest.raises(ValueError, match="NOTIFY_API_KEY must be the whole API key"):
        load_web_settings({"NOTIFY_API_KEY": "2" * 36})


def test_the_fake_notify_refuses_tokens_notify_would_refuse(notify: FakeNotify) -> None:
    """A test against a fake that accepts anything proves nothing: it checks iss, the signature and iat."""
    url = notify.url + "/v2/notifications/sms"
    now = int(time.time())

    def token(secret: str, iss: str, iat: int) -> Dict[str, str]:
        signed = jwt.encode({"iss": iss, "iat": iat}, secret, algorithm="HS256", headers={"typ": "JWT"})
        return {"Authorization": f"Bearer {signed}"}

    body = {
        "phone_number": "07400123456",
        "template_id": notify.template_id,
        "personalisation": {"message": "x"},
    }
    assert requests.post(url, json=body, timeout=5).status_code == 401
    for headers in (
        token(str(uuid.uuid4()), notify.service_id, now),
        token(notify.secret, "another-service", now),
        token(notify.secret, notify.service_id, now - 60),  # older than Notify's 30 seconds
    ):
        assert requests.post(url, json=body, headers=headers, timeout=5).status_code == 403
    good = requests.post(url, json=body, headers=token(notify.secret, notify.service_id, now), timeout=5)
    assert good.status_code == 201 and [s.body for s in notify.sent] == ["x"]
    assert "Token has expired" in notify.refused[-1]


# ---------- the endpoint ----------


def test_bad_codes_and_other_origins_get_clear_refusals(
    site: WebServer, var: Path, notify: FakeNotify
) -> None:
    engine = load_sample(var)
    old = ReferralStore(engine).issue(
        "get_device", "NR3", list(PLACES), "web", 30, today=date.today() - timedelta(40)
    )
    engine.dispose()
    assert post_text(site, code="ACD-EFH", number=NUMBER).json() == {"error": "unknown_code"}
    expired = post_text(site, code=old, number=NUMBER)
    assert expired.status_code == 410 and expired.json() == {"error": "expired_code"}
    assert post_text(site, code=old, number="01603 774777").json() == {"error": "not_a_mobile"}
    assert requests.post(site.url + "/referrals/text", data="code", timeout=5).status_code == 400
    hostile = requests.post(
        site.url + "/referrals/text",
        json={"code": old, "number": NUMBER},
        headers={"Origin": "https://evil.example"},
        timeout=5,
    )
    assert hostile.status_code == 403
    assert notify.sent == []


def test_texts_are_limited_per_code_and_per_address(
    site: WebServer, var: Path, code: str, notify: FakeNotify
) -> None:
    """The site allows 2 texts per code and 3 tries per address; a mistyped number counts for neither."""
    assert post_text(site, code=code, number="0740").json() == {"error": "not_a_mobile"}
    assert [post_text(site, code=code, number=NUMBER).status_code for _ in range(3)] == [200, 200, 429]
    engine = load_sample(var)
    other = ReferralStore(engine).issue("get_device", "NR3", list(PLACES), "web", 30)
    engine.dispose()
    refused = post_text(site, code=other, number=NUMBER)
    assert refused.status_code == 429 and refused.json() == {"error": "too_many"}
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert len(notify.sent) == 2


def test_notify_down_or_refusing_gets_try_later_and_logs_no_number(
    site: WebServer, var: Path, code: str, notify: FakeNotify
) -> None:
    notify.fail_with = 500
    failed = post_text(site, code=code, number=NUMBER)
    assert failed.status_code == 503 and failed.json() == {"error": "not_sent"}
    notify.stop()
    assert post_text(site, code=code, number="07400 654321").json() == {"error": "not_sent"}
    log = (var / "logs" / "web.log").read_text()
    assert "Notify did not send a referral text: HTTP 500" in log
    assert "Notify did not send a referral text: HTTP 503" in log  # no connection: the client says 503
    assert files_containing(var, NUMBER_FORMS + ("7400654321",)) == []


# ---------- the widget ----------


def test_widget_texts_the_places_and_the_code_and_keeps_no_number(
    chromium_browser: Any, site: WebServer, var: Path, code: str, notify: FakeNotify, tmp_path: Path
) -> None:
    page = widget_with_code(chromium_browser, site, code)
    try:
        box = page.locator(f"{LOG} .referral")
        assert box.locator(".code strong").inner_text() == code
        page.locator(TEXT_ME).click()
        mobile = page.locator(MOBILE)
        assert mobile.get_attribute("autocomplete") == "tel"
        assert page.locator(f"{LOG} .referral label").inner_text() == "Mobile number"
        assert mobile.evaluate("e => e.labels[0].textContent") == "Mobile number"

        mobile.fill("01603 774777")  # a landline
        mobile.press("Enter")
        page.locator(STATUS, has_text=_("widget.textBadNumber")).wait_for()
        assert mobile.get_attribute("aria-invalid") == "true" and notify.sent == []

        mobile.fill(NUMBER)
        page.locator(f"{LOG} .referral button", has_text="Send text").click()
        page.locator(STATUS, has_text=_("widget.textSent")).wait_for()
        page.screenshot(path=str(tmp_path / "referral-sent.png"))
        assert page.locator(f"{LOG} .referral form").is_hidden() and mobile.input_value() == ""

        [text] = notify.sent
        assert text.phone_number == "+447400123456" and code in text.body
        assert re.search(
            r"Mile Cross Library\nAylsham Road, Norwich, NR3 2RJ\nPhone: 01603 774777\n", text.body
        )
        assert "Norwich Millennium Library (The Forum)" in text.body and "Mon to Fri: 9am to 7pm" in text.body
        assert not any(form in str(saved(page)) for form in NUMBER_FORMS)  # not in the widget's storage
    finally:
        page.context.close()
    assert (var / "logs" / "web.log").stat().st_size > 0 and (var / "directory.db").exists()
    assert files_containing(var, NUMBER_FORMS) == []


def test_notify_failing_is_said_plainly_in_the_widget(
    chromium_browser: Any, site: WebServer, code: str, notify: FakeNotify
) -> None:
    notify.fail_with = 500
    page = widget_with_code(chromium_browser, site, code)
    try:
        page.locator(TEXT_ME).click()
        page.locator(MOBILE).fill(NUMBER)
        page.locator(MOBILE).press("Enter")
        page.locator(STATUS, has_text=_("widget.textFailed")).wait_for()
        assert page.locator(MOBILE).get_attribute("aria-invalid") == "false"  # not the number's fault
    finally:
        page.context.close()


def test_print_shows_only_the_code_and_the_places_and_axe_is_clean(
    chromium_browser: Any, site: WebServer, code: str
) -> None:
    page = widget_with_code(chromium_browser, site, code, bypass_csp=True)  # lets axe be injected
    try:
        page.locator(TEXT_ME).click()
        page.locator(MOBILE).fill("123")
        page.locator(MOBILE).press("Enter")
        page.locator(STATUS, has_text=_("widget.textBadNumber")).wait_for()
        assert run_axe(page) == []

        page.evaluate("() => { window.print = () => { window.printed = true; }; }")
        page.locator(f"{LOG} .referral button", has_text="Print").click()
        assert page.evaluate("window.printed") is True
        page.emulate_media(media="print")
        sheet = page.locator("signpost-chat .print-sheet")
        assert sheet.is_visible() and sheet.locator(".big").inner_text() == code
        assert sheet.locator("h3").all_inner_texts() == [
            "Mile Cross Library",
            "Norwich Millennium Library (The Forum)",
        ]
        assert page.locator("signpost-chat .panel").is_hidden() and page.locator("main").is_hidden()
        page.emulate_media(media="screen")
        page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
        assert page.locator("main").is_visible() and sheet.is_hidden()
    finally:
        page.context.close()


def test_without_notify_there_is_no_button_and_no_endpoint(
    chromium_browser: Any, fake_site: WebServer, code: str
) -> None:
    assert (
        requests.post(
            fake_site.url + "/referrals/text", json={"code": code, "number": NUMBER}, timeout=5
        ).status_code
        == 404
    )
    page = widget_with_code(chromium_browser, fake_site, code)
    try:
        assert page.locator(f"{LOG} .referral button", has_text="Print").is_visible()
        assert page.locator(TEXT_ME).count() == 0 and page.locator(MOBILE).count() == 0
    finally:
        page.context.close()
