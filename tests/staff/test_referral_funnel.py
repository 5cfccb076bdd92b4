"""The Impact page's referral funnel (issue 17): referred, arrived and helped by place and need, small numbers
suppressed, bars only for numbers shown, the referrals CSV beside the impact one; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest
import requests
from sqlalchemy.engine import Engine

from bot.directory.schema import Base
from bot.impact.store import metadata as impact_tables
from bot.referrals import report as referral_report
from bot.referrals.store import ReferralStore, utc_today
from bot.referrals.store import metadata as referral_tables
from bot.staff.store import Store
from tests.staff.conftest import StaffServer
from tests.support.engines import BACKENDS, fresh_engine
from tests.support.hub_console import (
    ELSEWHERE,
    HUB,
    OTHER_HUB,
    issue,
    load_sample_directory,
    signed_in_page,
    start_console,
    table_rows,
)
from tests.support.widget import run_axe

TODAY = utc_today()


def seed_referrals(engine: Engine) -> None:
    """7 device codes for Mile Cross and the Forum: Mile Cross saw 6 (5 helped), the Forum 2;
    3 jobs codes for City Hall ten days ago, nobody came."""
    store = ReferralStore(engine)
    device = [issue(engine, [HUB, OTHER_HUB], need="get_device") for _ in range(7)]
    for code in device[:5]:
        store.mark(code, HUB, "device_lent")
    store.mark(device[5], HUB, "not_helped")
    for code in device[:2]:
        store.mark(code, OTHER_HUB, "device_given")
    for _ in range(3):
        issue(engine, [ELSEWHERE], need="help_jobs", today=TODAY - timedelta(days=10))


@pytest.fixture(params=BACKENDS)
def console(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tuple[StaffServer, Engine]]:
    with fresh_engine(request, tmp_path, referral_tables, impact_tables, Base.metadata) as engine:
        load_sample_directory(engine)
        seed_referrals(engine)
        url = engine.url.render_as_string(hide_password=False)
        server = start_console(tmp_path, url, {"alice": None})
        try:
            yield server, engine
        finally:
            server.stop()


def bars(page: str) -> list:
    """(stage, css classes, number shown) of every bar, in order."""
    return re.findall(
        r'<span class="stage">([^<]+)</span><span class="track"><span class="bar ([^"]+)"></span></span>'
        r'<span class="value">([^<]+)</span>',
        page,
    )


def test_the_funnel_by_place_and_need_with_small_numbers_suppressed(console: Any) -> None:
    server, engine = console
    s = server.session("alice")
    page = s.get(f"{server.url}/staff/impact", timeout=10).text
    found = table_rows(page, "referral-funnel")
    assert [row[1:] for row in found] == [
        ["A free or cheap device", "7", "6", "5"],
        ["A free or cheap device", "7", "<5", "<5"],
        ["Jobs and CVs", "<5", "0", "0"],
    ]
    assert found[0][0] == f"Mile Cross Library ({HUB})" and found[1][0].endswith(f"({OTHER_HUB})")
    # Bars: as long as their number (in steps of 5% of the largest), none for a suppressed count.
    assert bars(page) == [
        ("Referred", "referred w100", "7"),
        ("Arrived", "arrived w85", "6"),
        ("Helped", "helped w70", "5"),
        ("Referred", "referred w100", "7"),
        ("Arrived", "arrived w0", "&lt;5"),
        ("Helped", "helped w0", "&lt;5"),
        ("Referred", "referred w0", "&lt;5"),
        ("Arrived", "arrived w0", "0"),
        ("Helped", "helped w0", "0"),
    ]
    funnel = page.split('id="funnel-h"')[1].split("</section>")[0]
    for hidden in (">2<", ">3<", ">1<"):  # the Forum's 2 arrivals, City Hall's 3 codes
        assert hidden not in funnel, hidden
    # The date filter counts codes by the day they were given.
    recent = s.get(
        f"{server.url}/staff/impact", params={"from": (TODAY - timedelta(days=3)).isoformat()}, timeout=10
    ).text
    assert [row[1] for row in table_rows(recent, "referral-funnel")] == ["A free or cheap device"] * 2
    assert f'href="/staff/impact/referrals.csv?from={(TODAY - timedelta(days=3)).isoformat()}"' in recent


def test_the_referrals_csv_is_offered_beside_the_impact_csv(console: Any) -> None:
    server, engine = console
    s = server.session("alice")
    page = s.get(f"{server.url}/staff/impact", timeout=10).text
    assert '<a href="/staff/impact/referrals.csv" download>Download the referrals as CSV</a>' in page
    download = s.get(f"{server.url}/staff/impact/referrals.csv", timeout=10)
    assert download.headers["Content-Type"].startswith("text/csv")
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="signpost-referrals-start-today.csv"'
    )
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["week", "hub_id", "need", "referred", "arrived", "helped"]
    assert download.text == referral_report.to_csv(referral_report.funnel(engine), 5)
    week = (TODAY - timedelta(days=TODAY.weekday())).isoformat()
    assert [week, HUB, "get_device", "7", "6", "5"] in rows
    assert [week, OTHER_HUB, "get_device", "7", "<5", "<5"] in rows
    assert not any(row[1] == ELSEWHERE and row[3] == "3" for row in rows)
    actions = [e["action"] for e in Store(server.staff.db_path).audit_log()]
    assert "downloaded_referrals_csv" in actions
    refused = requests.get(f"{server.url}/staff/impact/referrals.csv", allow_redirects=False, timeout=10)
    assert refused.status_code == 303 and "week,hub_id" not in refused.text


def test_the_funnel_in_chromium_is_accessible_and_its_bars_have_their_lengths(
    console: Any, chromium_browser: Any
) -> None:
    server, engine = console
    if engine.dialect.name != "sqlite":
        pytest.skip("the page is the same whichever database it reads: once is enough in the browser")
    page = signed_in_page(chromium_browser, server, "alice")
    try:
        page.goto(f"{server.url}/staff/impact")
        chart = page.get_by_role("img", name="Referrals by place and need: bar chart.", exact=False)
        assert chart.count() == 1
        widths = page.eval_on_selector_all(
            ".funnel .bar", "bars => bars.map(b => b.getBoundingClientRect().width)"
        )
        assert widths[1] == pytest.approx(widths[0] * 0.85, abs=1) and widths[0] > 100 and widths[4] == 0
        assert run_axe(page) == []
        page.set_viewport_size({"width": 320, "height": 800})  # reflow: nothing wider than the screen
        wide = page.evaluate(
            "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 322)"
            ".map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right).slice(0, 12)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, wide
    finally:
        page.context.close()
