"""The console's Referrals page (issue 17): a hub finds a code (need and day only), records the arrival with
one outcome, marks again to change it, gets plain messages for codes it cannot mark; all in the audit log."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest
from sqlalchemy.engine import Engine

from bot.directory.db import make_engine
from bot.referrals.store import ReferralStore, utc_today
from bot.staff.store import Store
from tests.staff.conftest import StaffServer
from tests.support.hub_console import (
    ELSEWHERE,
    HUB,
    OTHER_HUB,
    find_code,
    issue,
    mark,
    message,
    sample_directory,
    signed_in_page,
    start_console,
)
from tests.support.widget import run_axe


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Tuple[StaffServer, Engine]]:
    url = sample_directory(tmp_path)
    engine = make_engine(url)
    server = start_console(tmp_path, url, {"alice": None, "mx": HUB})
    yield server, engine
    server.stop()
    engine.dispose()


def audit_marks(server: StaffServer) -> list:
    entries = Store(server.staff.db_path).audit_log()
    return [(e["user"], e["details"]) for e in reversed(entries) if e["action"] == "referral_marked"]


def test_a_hub_finds_a_code_and_records_the_arrival_then_changes_it(console: Any) -> None:
    server, engine = console
    code = issue(engine, [OTHER_HUB, HUB], need="get_device")
    hub = server.session("mx")
    typed = code.replace("-", " ").lower()  # as someone might type it
    found = find_code(server, hub, typed)
    assert found.status_code == 200 and message(found.text) == ""
    assert f"Code {code}" in found.text and "A free or cheap device" in found.text
    assert utc_today().strftime("%-d %B %Y") in found.text
    # Nothing else about the answer: not the area, the channel or the other places.
    for other in ("NR3", "web", OTHER_HUB, "Millennium", 'name="hub"'):
        assert other not in found.text.split("<main>")[1], other
    done = mark(server, hub, code, "device_lent")
    assert done.status_code == 200 and message(done.text) == f"Marked {code} as arrived: Device lent."
    assert ReferralStore(engine).find(code).arrivals == {HUB: "device_lent"}
    again = find_code(server, hub, code)
    assert "Already recorded here: Device lent." in again.text
    assert 'value="device_lent" required checked' in again.text
    changed = mark(server, hub, code, "device_given")
    assert message(changed.text) == (f"Marked {code} as arrived: Device given. This replaces Device lent.")
    assert ReferralStore(engine).find(code).arrivals == {HUB: "device_given"}
    assert audit_marks(server) == [
        ("mx", {"code": code, "hub": HUB, "outcome": "device_lent", "previous": None}),
        ("mx", {"code": code, "hub": HUB, "outcome": "device_given", "previous": "device_lent"}),
    ]


def test_codes_that_cannot_be_marked_here_get_a_plain_message(console: Any) -> None:
    server, engine = console
    elsewhere = issue(engine, [ELSEWHERE])
    old = issue(engine, [HUB], today=utc_today() - timedelta(days=40))
    hub = server.session("mx")
    cases = {
        "AAA-AAA": "There is no referral code AAA-AAA. Check the code and try again.",
        "not a code <b>": "There is no referral code not a code <b>. Check the code and try again.",
        old: f"The code {old} ran out on",
        elsewhere: f"The code {elsewhere} was not given for this place ({HUB}).",
        "": "Type the code the person shows you.",
    }
    for typed, said in cases.items():
        page = find_code(server, hub, typed)
        assert page.status_code == 200 and message(page.text).startswith(said), (typed, page.text)
        assert 'role="alert"' in page.text and "Record the arrival" not in page.text
        assert "<b>" not in page.text  # what was typed is shown as text, never markup
    # Posting the second form anyway records nothing: the same messages.
    assert message(mark(server, hub, elsewhere, "other").text).startswith(cases[elsewhere])
    assert message(mark(server, hub, old, "other").text).startswith(cases[old])
    assert message(mark(server, hub, "AAA-AAA", "other").text).startswith(cases["AAA-AAA"])
    code = issue(engine, [HUB])
    assert message(mark(server, hub, code, "").text) == (
        "Choose what happened when they arrived, then find the code again."
    )
    assert message(mark(server, hub, code, "cake").text).startswith("cake is not an outcome.")
    # A hub's account marks at its own place whatever the form says.
    assert message(mark(server, hub, elsewhere, "other", hub=ELSEWHERE).text).startswith(cases[elsewhere])
    assert ReferralStore(engine).find(elsewhere).arrivals == {}
    assert ReferralStore(engine).find(code).arrivals == {}
    assert audit_marks(server) == []


def test_marking_needs_the_session_and_its_csrf_token(console: Any) -> None:
    server, engine = console
    code = issue(engine, [HUB])
    hub = server.session("mx")
    forged = hub.post(
        f"{server.url}/staff/referrals/mark",
        data={"csrf": "made-up", "code": code, "outcome": "other"},
        allow_redirects=False,
        timeout=10,
    )
    assert forged.status_code == 403
    stranger = mark(server, type(hub)(), code, "other")  # no session: sent to sign in, nothing recorded
    assert stranger.status_code == 401
    assert ReferralStore(engine).find(code).arrivals == {}


def test_staff_choose_among_the_places_in_the_answer(console: Any) -> None:
    server, engine = console
    code = issue(engine, [OTHER_HUB, HUB], need="get_data")
    staff = server.session("alice")
    found = find_code(server, staff, code)
    assert "Free data or SIM card" in found.text
    assert '<label for="hub">Where did they arrive?</label>' in found.text
    options = found.text.split('<select id="hub" name="hub" required>')[1].split("</select>")[0]
    assert f'value="{HUB}"' in options and f'value="{OTHER_HUB}"' in options and ELSEWHERE not in options
    assert "Mile Cross Library (mile-cross-library)" in options
    done = mark(server, staff, code, "free_sim_given", hub=OTHER_HUB)
    assert message(done.text) == f"Marked {code} as arrived: Free SIM given."
    assert ReferralStore(engine).find(code).arrivals == {OTHER_HUB: "free_sim_given"}
    refused = mark(server, staff, code, "other", hub=ELSEWHERE)
    assert message(refused.text).startswith(f"The code {code} was not given for this place ({ELSEWHERE}).")
    assert audit_marks(server) == [
        ("alice", {"code": code, "hub": OTHER_HUB, "outcome": "free_sim_given", "previous": None})
    ]


def test_the_page_in_chromium_is_accessible_and_records_an_arrival(
    console: Any, chromium_browser: Any
) -> None:
    """Keyboard and labels as a hub's volunteer uses them; axe (injected past the policy) finds nothing."""
    server, engine = console
    code = issue(engine, [HUB], need="help_benefits", today=date.today() - timedelta(days=2))
    page = signed_in_page(chromium_browser, server, "mx")
    try:
        page.get_by_role("heading", name="Referrals: record who arrived").wait_for()
        assert run_axe(page) == []
        page.get_by_label("Referral code").fill(code.lower())
        page.get_by_role("button", name="Find the code").click()
        page.get_by_role("heading", name=f"Code {code}").wait_for()
        assert run_axe(page) == []
        page.get_by_role("radio", name="Helped with benefits").check()
        page.get_by_role("button", name="Record the arrival").click()
        status = page.get_by_role("status")
        status.wait_for()
        assert status.inner_text() == f"Marked {code} as arrived: Helped with benefits."
        assert run_axe(page) == []
        page.get_by_label("Referral code").fill("AAA-AAA")
        page.get_by_label("Referral code").press("Enter")
        assert "There is no referral code AAA-AAA" in page.get_by_role("alert").inner_text()
        assert run_axe(page) == []
        page.set_viewport_size({"width": 320, "height": 800})  # reflow: nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        page.context.close()
    assert ReferralStore(engine).find(code).arrivals == {HUB: "benefits_helped"}
