"""The staff console over a loaded sample directory with referral codes issued: for hub-account tests."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import requests
from sqlalchemy.engine import Engine

from bot.directory.csv_loader import load_csv_directory
from bot.directory.db import make_engine
from bot.geo.geocoder import Geocoder
from bot.referrals.store import ReferralStore
from bot.settings import PROJECT_ROOT
from bot.settings import load as load_settings
from bot.staff import auth
from bot.staff.store import Store
from tests.staff.conftest import PASSWORD, StaffServer, csrf_of, staff_settings

SAMPLE = PROJECT_ROOT / "data" / "directory"
HUB = "mile-cross-library"  # Mile Cross Library, in the sample directory
OTHER_HUB = "forum-library"
ELSEWHERE = "city-hall"


def load_sample_directory(engine: Engine) -> None:
    """The sample hubs (offline geocoder: nothing leaves the machine)."""
    geocoder = Geocoder.from_settings(load_settings({"GEOCODER": "offline"}))
    load_csv_directory(engine, SAMPLE / "hubs.csv", None, geocoder)


def sample_directory(root: Path) -> str:
    """A SQLite directory under ``root`` with the sample hubs; its URL."""
    url = f"sqlite:///{root / 'directory.db'}"
    engine = make_engine(url)
    load_sample_directory(engine)
    engine.dispose()
    return url


def start_console(
    root: Path, directory_url: str, accounts: Dict[str, Optional[str]], min_count: int = 5
) -> StaffServer:
    """The console on ``directory_url`` with ``accounts`` (name -> hub id, None for staff)."""
    settings = replace(staff_settings(root), directory_url=directory_url, impact_min_count=min_count)
    store = Store(settings.db_path)
    for name, hub_id in accounts.items():
        auth.add_user(store, name, PASSWORD, hub_id)
    store.dispose()
    return StaffServer(settings).start()


def issue(engine: Engine, hubs: Iterable[str], need: str = "get_device", today: Optional[date] = None) -> str:
    return ReferralStore(engine).issue(need, "NR3 2RJ", list(hubs), "web", 30, today=today)


def post_form(session: requests.Session, url: str, page_url: str, **fields: str) -> requests.Response:
    """A console form as a browser sends it: with the CSRF token of the page it is on."""
    token = csrf_of(session.get(page_url, timeout=10).text)
    return session.post(url, data={"csrf": token, **fields}, allow_redirects=False, timeout=10)


def find_code(console: StaffServer, session: requests.Session, code: str) -> requests.Response:
    page = f"{console.url}/staff/referrals"
    return post_form(session, page, page, code=code)


def mark(
    console: StaffServer, session: requests.Session, code: str, outcome: str, **extra: str
) -> requests.Response:
    page = f"{console.url}/staff/referrals"
    return post_form(session, f"{page}/mark", page, code=code, outcome=outcome, **extra)


def table_rows(page: str, table_id: str) -> List[List[str]]:
    """The body rows of the table with ``table_id``, as lists of cell texts."""
    inner = page.split(f'<table id="{table_id}">')[1].split("</table>")[0].split("<tbody>")[1]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell))
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", inner, re.S)
    ]


def message(page: str) -> str:
    """The page's status or alert line (what happened), as text."""
    found = re.search(r'<p class="(?:ok|error)" role="(?:status|alert)" id="flash">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else ""


def signed_in_page(chromium_browser: Any, console: StaffServer, name: str) -> Any:
    """A Chromium context (axe may be injected) signed in as ``name``; close its ``.context`` after."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{console.url}/staff/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page
