"""The console as a small web app (issue 15): templates escape, one stylesheet under a strict policy,
the headers on every answer, and the audit log written off the event loop."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import pytest
import requests

from bot.directory.db import make_engine
from bot.impact.store import ImpactStore
from bot.staff import auth
from bot.staff.store import Store
from bot.staff.web import PREFIX
from tests.impact.conftest import seed
from tests.staff.conftest import PASSWORD, StaffServer, csrf_of, seed_tracker, staff_settings, user_event
from tests.staff.test_models import make_models
from tests.support.widget import run_axe

HOSTILE = "<script>alert(1)</script> & \"quoted\" 'single'"
STYLESHEET = f'<link rel="stylesheet" href="{PREFIX}/static/staff.css">'


@pytest.fixture
def console(tmp_path: Path, project: Path) -> Iterator[StaffServer]:
    """The console with impact figures, a scored model and the sample inbox."""
    url = f"sqlite:///{tmp_path / 'directory.db'}"
    settings = replace(staff_settings(tmp_path), directory_url=url)
    from tests.staff.conftest import SAMPLE

    seed_tracker(settings.tracker_db, SAMPLE)
    seed(ImpactStore(make_engine(url)))
    store = Store(settings.db_path)
    auth.add_user(store, "alice", PASSWORD)
    make_models(tmp_path, store, [0.7])
    running = StaffServer(settings).start()
    yield running
    running.stop()


PAGES = ["/", "/?reveal=1", "/inbox/2", "/intents", "/models", "/models/1", "/impact", "/audit"]


def test_every_page_uses_the_one_stylesheet_and_no_inline_style(console: StaffServer) -> None:
    s = console.session("alice")
    for path in PAGES:
        page = s.get(f"{console.url}{PREFIX}{path}")
        assert page.status_code == 200, path
        assert STYLESHEET in page.text and "<style" not in page.text and " style=" not in page.text, path
        policy = page.headers["Content-Security-Policy"]
        assert "style-src 'self'" in policy and "unsafe-inline" not in policy and "script-src" not in policy
    login = requests.get(f"{console.url}{PREFIX}/login")
    assert STYLESHEET in login.text
    css = requests.get(f"{console.url}{PREFIX}/static/staff.css")  # needed before sign-in
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "header{" in css.text and css.headers["X-Content-Type-Options"] == "nosniff"


def test_redirects_and_errors_carry_the_security_headers(console: StaffServer) -> None:
    answers = [
        requests.get(f"{console.url}{PREFIX}/", allow_redirects=False),  # redirect to sign in
        requests.post(f"{console.url}{PREFIX}/retrain", allow_redirects=False),  # 401
        console.session("alice").get(f"{console.url}{PREFIX}/inbox/999"),  # no such message
        requests.get(f"{console.url}{PREFIX}/static/nothing.css"),
    ]
    assert [a.status_code for a in answers] == [303, 401, 404, 404]
    for answer in answers:
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
        assert (
            answer.headers["X-Frame-Options"] == "DENY" and answer.headers["Referrer-Policy"] == "no-referrer"
        )
    assert answers[0].headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" not in requests.get(f"{console.url}/health").headers  # not the console's


def test_what_residents_and_staff_typed_is_escaped_on_every_page(console: StaffServer) -> None:
    (event_id,) = seed_tracker(
        console.staff.tracker_db, [user_event("r7", HOSTILE, "nlu_fallback", 0.1, 500.0)]
    )
    Store(console.staff.db_path).audit("alice", "teach_intent", example=HOSTILE)
    s = console.session("alice")
    for path in ("/", "/?reveal=1", f"/inbox/{event_id}", f"/inbox/{event_id}?reveal=1", "/audit"):
        page = s.get(f"{console.url}{PREFIX}{path}").text
        assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
        assert '"quoted"' not in page and "'single'" not in page, path
    flash = s.get(f"{console.url}{PREFIX}/models", params={"msg": HOSTILE, "kind": "error"}).text
    assert "<script>" not in flash and 'id="flash">&lt;script&gt;' in flash


def _hanging_audit(monkeypatch: pytest.MonkeyPatch) -> Dict[str, threading.Event]:
    """Store.audit waits (up to 30 s) until released: as a slow or locked database would."""
    events = {"entered": threading.Event(), "release": threading.Event()}
    real = Store.audit

    def slow(self: Store, user: str, action: str, **details: Any) -> None:
        events["entered"].set()
        events["release"].wait(30)
        real(self, user, action, **details)

    monkeypatch.setattr(Store, "audit", slow)
    return events


def _reveal_inbox(console: StaffServer, s: requests.Session) -> requests.Response:
    return s.get(f"{console.url}{PREFIX}/?reveal=1")


def _reveal_message(console: StaffServer, s: requests.Session) -> requests.Response:
    return s.get(f"{console.url}{PREFIX}/inbox/2?reveal=1")


def _download_csv(console: StaffServer, s: requests.Session) -> requests.Response:
    return s.get(f"{console.url}{PREFIX}/impact.csv")


def _sign_out(console: StaffServer, s: requests.Session) -> requests.Response:
    token = csrf_of(s.get(f"{console.url}{PREFIX}/").text)
    return s.post(f"{console.url}{PREFIX}/logout", data={"csrf": token}, allow_redirects=False)


def _sign_in(console: StaffServer, s: requests.Session) -> requests.Response:
    return console.sign_in(requests.Session(), "alice", PASSWORD)


@pytest.mark.parametrize("audited", [_reveal_inbox, _reveal_message, _download_csv, _sign_out, _sign_in])
def test_a_slow_audit_log_stalls_no_one_else(
    console: StaffServer, monkeypatch: pytest.MonkeyPatch, audited: Callable[..., requests.Response]
) -> None:
    s = console.session("alice")
    events = _hanging_audit(monkeypatch)
    answers: Dict[str, requests.Response] = {}
    worker = threading.Thread(target=lambda: answers.update(done=audited(console, s)))
    try:
        worker.start()
        assert events["entered"].wait(10), "the route wrote no audit entry"
        other = requests.get(f"{console.url}{PREFIX}/login", timeout=8)  # the event loop is free
        assert other.status_code == 200 and "Sign in" in other.text
    finally:
        events["release"].set()
        worker.join(30)
    assert answers["done"].status_code in (200, 303)


def test_the_pages_are_styled_and_accessible_in_chromium(console: StaffServer, chromium_browser: Any) -> None:
    """Under the real Content-Security-Policy the stylesheet applies; axe (injected past the policy) finds
    nothing serious on any page."""
    strict = chromium_browser.new_context()
    try:
        page = strict.new_page()
        page.goto(f"{console.url}{PREFIX}/login")
        border = page.evaluate("getComputedStyle(document.querySelector('header')).borderBottomColor")
        assert border == "rgb(0, 90, 156)"
    finally:
        strict.close()
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{console.url}{PREFIX}/login")
        assert run_axe(page) == []
        page.fill("#name", "alice")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("heading", name=re.compile("^Inbox")).wait_for()
        for path in ("/", "/inbox/2", "/intents", "/models", "/models/1", "/audit"):
            page.goto(f"{console.url}{PREFIX}{path}")
            assert run_axe(page) == [], path
    finally:
        context.close()
