"""Fixtures for the staff console: a copy of the Rasa project, a staff database, the app in a thread.

Tests never edit the real data/: the console's project directory is a
setting, pointed here at a copy in a temporary directory.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests

from bot.runner import free_port
from bot.settings import PROJECT_ROOT
from bot.staff import auth
from bot.staff.settings import StaffSettings
from bot.staff.store import Store
from tests.support.web import WebServer, web_settings

PASSWORD = "correct horse battery"


def copy_project(target: Path) -> Path:
    """config.yml, domain.yml, data/nlu, data/dialogue, the held-out file; var/spacy and var/minilm linked."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_ROOT / name, target / name)
    for name in ("data/nlu", "data/dialogue"):
        shutil.copytree(PROJECT_ROOT / name, target / name)
    (target / "tests").mkdir()
    shutil.copy(PROJECT_ROOT / "tests" / "nlu_holdout.yml", target / "tests" / "nlu_holdout.yml")
    (target / "var").mkdir()
    (target / "var" / "spacy").symlink_to(PROJECT_ROOT / "var" / "spacy")
    (target / "var" / "minilm").symlink_to(PROJECT_ROOT / "var" / "minilm")
    return target


def staff_settings(root: Path, **changes: Any) -> StaffSettings:
    settings = StaffSettings(
        project_dir=root / "project",
        models_dir=root / "models",
        db_path=root / "staff" / "staff.db",
        tracker_db=root / "tracker.db",
        rasa_url="http://127.0.0.1:9",
        rasa_token="test-token",
        holdout=root / "project" / "tests" / "nlu_holdout.yml",
    )
    return replace(settings, **changes)


def user_event(
    sender: str,
    text: str,
    intent: str,
    confidence: float,
    ts: float,
    entities: Optional[List[Dict[str, Any]]] = None,
    ranking: Optional[List[Dict[str, Any]]] = None,
) -> Dict[str, Any]:
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
        "entities": entities or [],
    }
    return {
        "sender_id": sender,
        "type_name": "user",
        "timestamp": ts,
        "intent_name": intent,
        "data": {"event": "user", "timestamp": ts, "text": text, "parse_data": parse},
    }


def bot_event(sender: str, text: str, ts: float) -> Dict[str, Any]:
    return {
        "sender_id": sender,
        "type_name": "bot",
        "timestamp": ts,
        "intent_name": None,
        "data": {"event": "bot", "timestamp": ts, "text": text},
    }


def seed_tracker(path: Path, events: List[Dict[str, Any]]) -> List[int]:
    """Rows shaped like Rasa's SQLTrackerStore ``events`` table; returns their ids."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )
        ids = []
        for ev in events:
            cursor = db.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, data)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    ev["sender_id"],
                    ev["type_name"],
                    ev["timestamp"],
                    ev["intent_name"],
                    json.dumps(ev["data"]),
                ),
            )
            ids.append(cursor.lastrowid)
    return ids


SAMPLE = [
    bot_event("r1", "Hello! I can help you find free help to get online near you.", 100.0),
    user_event(
        "r1",
        "how do i renew my bus pass near NR2 3PQ",
        "nlu_fallback",
        0.45,
        101.0,
        entities=[{"entity": "postcode", "start": 32, "end": 39, "value": "NR2 3PQ"}],
        ranking=[
            {"name": "nlu_fallback", "confidence": 0.45},
            {"name": "council_services", "confidence": 0.3},
        ],
    ),
    bot_event("r1", "Sorry, I did not understand. Could you say it another way?", 101.5),
    user_event("r2", "renew my bus pass please", "council_services", 0.31, 200.0),
    user_event(
        "r2",
        "email me at jo.bloggs@example.org or ring 07700 900123",
        "nlu_fallback",
        0.2,
        210.0,
        ranking=[{"name": "nlu_fallback", "confidence": 0.2}, {"name": "keep_in_touch", "confidence": 0.15}],
    ),
    user_event("r3", "where is the nearest hub", "find_hub", 0.98, 300.0),
    user_event("r3", "/affirm", "affirm", 0.1, 301.0),
]


class StaffServer(WebServer):
    """The whole web app (widget + console) on a free port, in a thread with its own loop."""

    def __init__(self, settings: StaffSettings) -> None:
        super().__init__(web_settings("http://127.0.0.1:9", settings.tracker_db, free_port()), settings)
        self.web = self.settings

    def session(self, name: str, password: str = PASSWORD) -> requests.Session:
        """A signed-in requests session (asserts the sign-in worked)."""
        s = requests.Session()
        response = self.sign_in(s, name, password)
        assert response.status_code == 303 and response.headers["Location"] == "/staff/", response.text
        return s

    def sign_in(self, s: requests.Session, name: str, password: str, **headers: str) -> requests.Response:
        form = s.get(f"{self.url}/staff/login", headers=headers)
        token = form.text.split('name="csrf" value="')[1].split('"')[0]
        return s.post(
            f"{self.url}/staff/login",
            data={"csrf": token, "name": name, "password": password},
            allow_redirects=False,
            headers=headers,
        )


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="')[1].split('"')[0]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@contextmanager
def serving(settings: StaffSettings, sample_inbox: bool = True) -> Iterator[StaffServer]:
    """The console over ``settings``: staff alice and bob, the SAMPLE inbox; stopped however the test ends.

    ``sample_inbox=False`` for a tracker store a real Rasa server writes.
    """
    if sample_inbox:
        seed_tracker(settings.tracker_db, SAMPLE)
    store = Store(settings.db_path)
    auth.add_user(store, "alice", PASSWORD)
    auth.add_user(store, "bob", PASSWORD)
    running = StaffServer(settings).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def server(tmp_path: Path, project: Path) -> Iterator[StaffServer]:
    with serving(staff_settings(tmp_path)) as running:
        yield running
