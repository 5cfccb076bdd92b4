"""The staff console's Impact page: refused without a session, same figures as the CSV, accessible.

Set SIGNPOST_SCREENSHOTS=1 to refresh docs/screenshots/impact.png (also written when missing).
"""

from __future__ import annotations

import csv
import html
import io
import os
import random
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests

from bot.directory.db import make_engine
from bot.impact.store import Answer, ImpactStore
from bot.staff import auth
from bot.staff.store import Store
from tests.impact.conftest import NOW, seed
from tests.staff.conftest import PASSWORD, StaffServer, staff_settings
from tests.support.widget import SCREENSHOTS, run_axe


def tables(page: str) -> Dict[str, List[List[str]]]:
    """Every table with an id: its body rows as lists of cell texts."""
    found = {}
    for table_id, inner in re.findall(r'<table id="([^"]+)">(.*?)</table>', page, re.S):
        body = inner.split("<tbody>")[1]
        found[table_id] = [
            [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        ]
    return found


def start(tmp_path: Path, min_count: int = 5) -> StaffServer:
    url = f"sqlite:///{tmp_path / 'directory.db'}"
    settings = replace(staff_settings(tmp_path), directory_url=url, impact_min_count=min_count)
    store = Store(settings.db_path)
    auth.add_user(store, "alice", PASSWORD)
    seed(ImpactStore(make_engine(url)))
    return StaffServer(settings).start()


@pytest.fixture
def console(tmp_path: Path) -> Iterator[StaffServer]:
    server = start(tmp_path)
    yield server
    server.stop()


def test_refused_without_a_session(console: StaffServer) -> None:
    for path in ("/staff/impact", "/staff/impact.csv", "/staff/impact.csv?from=2025-01-01"):
        response = requests.get(console.url + path, allow_redirects=False, timeout=10)
        assert response.status_code == 303 and response.headers["Location"] == "/staff/login", path
        assert "PE30" not in response.text and "week,channel" not in response.text
    forged = requests.get(
        console.url + "/staff/impact.csv",
        cookies={"signpost_staff": "made-up"},
        allow_redirects=False,
        timeout=10,
    )
    assert forged.status_code == 303


def test_page_and_csv_show_the_same_figures_with_small_numbers_suppressed(console: StaffServer) -> None:
    s = console.session("alice")
    page = s.get(f"{console.url}/staff/impact", timeout=10)
    assert page.status_code == 200 and '<a href="/staff/impact">Impact</a>' in page.text
    assert page.text.count('<svg role="img" aria-label="') == 6 and "<title>" in page.text
    download = s.get(f"{console.url}/staff/impact.csv", timeout=10)
    assert download.headers["Content-Type"].startswith("text/csv")
    assert download.headers["Content-Disposition"] == 'attachment; filename="signpost-impact-start-today.csv"'
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["week", "channel", "need", "outcode", "count", "unmet", "language"]
    assert "(columns week, channel, need, outcode, count, unmet, language)" in page.text
    found = tables(page.text)
    assert found["all-figures"] == rows[1:]
    assert ["2025-11-10", "telegram", "help_jobs", "PE30", "<5", "<5", "en"] in rows
    assert found["by-language"] == [["English", "17"]]
    assert found["by-week"] == [["2025-11-10", "<5"], ["2025-11-17", "14"]]
    assert found["by-channel"] == [["web", "13"], ["telegram", "<5"]]
    assert found["unmet"] == [["PE30", "Free data or SIM card", "6"], ["PE30", "Jobs and CVs", "<5"]]
    assert found["misunderstood"] == [["2025-11-17", "<5"]]
    assert ">3<" not in page.text and ">4<" not in page.text and ">1<" not in page.text  # 3 jobs, 4 telegram
    # Numbers beside each chart: every bar's value is in its table too.
    for title, value in re.findall(r"<g><title>([^<]+): ([^<]+)</title>", page.text):
        assert any(html.unescape(value) == row[-1] for t in found.values() for row in t), (title, value)


def test_csv_matches_the_page_when_nothing_is_suppressed(tmp_path: Path) -> None:
    server = start(tmp_path, min_count=1)
    try:
        s = server.session("alice")
        found = tables(s.get(f"{server.url}/staff/impact", timeout=10).text)
        rows = list(csv.DictReader(io.StringIO(s.get(f"{server.url}/staff/impact.csv", timeout=10).text)))
    finally:
        server.stop()
    by_week: Dict[str, int] = {}
    by_channel: Dict[str, int] = {}
    unmet: Dict[str, int] = {}
    for r in rows:
        by_week[r["week"]] = by_week.get(r["week"], 0) + int(r["count"])
        by_channel[r["channel"]] = by_channel.get(r["channel"], 0) + int(r["count"])
        if int(r["unmet"]):
            unmet[r["outcode"]] = unmet.get(r["outcode"], 0) + int(r["unmet"])
    assert {w: int(n) for w, n in found["by-week"]} == by_week
    assert {c: int(n) for c, n in found["by-channel"]} == by_channel
    assert sum(int(n) for _, _, n in found["unmet"]) == sum(unmet.values()) == 9


def test_date_filter_applies_to_page_and_csv_link(console: StaffServer) -> None:
    s = console.session("alice")
    page = s.get(f"{console.url}/staff/impact", params={"from": "2025-11-17", "to": "2025-11-23"}, timeout=10)
    assert 'href="/staff/impact.csv?from=2025-11-17&amp;to=2025-11-23"' in page.text
    assert tables(page.text)["by-week"] == [["2025-11-17", "14"]]
    download = s.get(f"{console.url}/staff/impact.csv?from=2025-11-17&to=2025-11-23", timeout=10)
    assert "2025-11-10" not in download.text and "2025-11-17,web,get_device,NR2,7,0,en" in download.text
    bad = s.get(f"{console.url}/staff/impact", params={"from": "20/11/2025", "to": "2025-01-01"}, timeout=10)
    assert bad.status_code == 200 and "From is not a date" in bad.text
    backwards = s.get(
        f"{console.url}/staff/impact", params={"from": "2025-12-01", "to": "2025-11-01"}, timeout=10
    )
    assert "after the To date" in backwards.text and tables(backwards.text)["by-week"][0][0] == "2025-11-10"


def seed_demo(store: ImpactStore) -> None:
    """Eight weeks of plausible figures for the screenshot."""
    rng = random.Random(8)
    needs = [
        ("get_device", 3),
        ("find_hub", 4),
        ("help_benefits", 2),
        ("get_data", 2),
        ("find_course", 1),
        ("help_health_online", 1),
        ("talk_to_human", 1),
    ]
    areas = [
        ("NR2", 2, 0.6),
        ("NR3", 3, 0.9),
        ("NR5", 0, 3.4),
        ("NR1", 2, 0.7),
        ("NR6", 0, 3.8),
        ("NR7", 1, 2.1),
    ]
    for week in range(8):
        for _ in range(rng.randint(40, 70)):
            need = rng.choices([n for n, _ in needs], [w for _, w in needs])[0]
            outcode, within, nearest = rng.choice(areas)
            channel = rng.choices(["web", "telegram", "other"], [6, 3, 1])[0]
            hour = NOW - timedelta(days=7 * week, hours=rng.randint(0, 100))
            person = need == "talk_to_human"
            language = rng.choices(["en", "pl", "ar", "ro", "cy"], [12, 3, 2, 2, 1])[0]
            store.record(
                Answer(
                    channel,
                    need,
                    outcode,
                    None if person else within,
                    None if person else nearest,
                    person,
                    hour=hour,
                    language=language,
                )
            )
        for _ in range(rng.randint(3, 9)):
            store.record_misunderstood(rng.choice(["web", "telegram"]), NOW - timedelta(days=7 * week))


def test_axe_and_screenshot(chromium_browser: Any, tmp_path: Path) -> None:
    server = start(tmp_path)
    seed_demo(ImpactStore(make_engine(server.staff.directory_url)))
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/staff/login")
        page.fill("#name", "alice")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{server.url}/staff/impact?from=2025-09-29&to=2025-11-23")
        assert page.locator("svg[role=img]").count() == 6
        shot = SCREENSHOTS / "impact.png"
        if os.environ.get("SIGNPOST_SCREENSHOTS") or not shot.exists():
            page.screenshot(path=str(shot), full_page=True)
        assert run_axe(page) == []
        page.set_viewport_size({"width": 320, "height": 800})  # reflow: nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()
        server.stop()
