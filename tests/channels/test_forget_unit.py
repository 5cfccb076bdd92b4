"""Forgetting through Rasa, without a model: what happens when Rasa is away, busy or answers.

The real race (a forget during a reply) is in test_forget_sticks.py.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from bot.channels.settings import ChannelConfigError, load_channel
from bot.conversations import ForgetFailed, forget_through_rasa, tracker_engine
from bot.runner import free_port
from bot.settings import load
from tests.support.web import WebServer, web_settings


def seeded(tmp_path: Path) -> Path:
    db = tmp_path / "tracker.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL)")
        connection.executemany(
            "INSERT INTO events (sender_id, timestamp) VALUES (?, 0)",
            [("keep-me-1",), ("forget-me",), ("forget-me",)],
        )
    return db


def senders(db: Path) -> list:
    with sqlite3.connect(db) as connection:
        return sorted(row[0] for row in connection.execute("SELECT sender_id FROM events"))


def test_with_rasa_stopped_the_conversation_is_deleted_directly(tmp_path: Path) -> None:
    db = seeded(tmp_path)
    closed = f"http://127.0.0.1:{free_port()}"
    assert forget_through_rasa(closed, "token", "forget-me", tracker_engine(db)) == 2
    assert senders(db) == ["keep-me-1"]


def test_rasa_does_the_delete_when_it_is_running(tmp_path: Path, httpserver: HTTPServer) -> None:
    db = seeded(tmp_path)
    httpserver.expect_oneshot_request(
        "/webhooks/rest/forget",
        method="POST",
        json={"sender": "forget-me"},
        headers={"Authorization": "Bearer the-token"},
    ).respond_with_json({"deleted": 2})
    assert forget_through_rasa(httpserver.url_for(""), "the-token", "forget-me", tracker_engine(db)) == 2
    httpserver.check_assertions()
    assert len(senders(db)) == 3  # Rasa deletes, under its lock; this side touched nothing


@pytest.mark.parametrize("status", [401, 503])
def test_rasa_running_but_refusing_deletes_nothing_and_says_so(
    tmp_path: Path, httpserver: HTTPServer, status: int
) -> None:
    db = seeded(tmp_path)
    httpserver.expect_request("/webhooks/rest/forget").respond_with_json({"error": "busy"}, status=status)
    with pytest.raises(ForgetFailed):
        forget_through_rasa(httpserver.url_for(""), "token", "forget-me", tracker_engine(db))
    assert len(senders(db)) == 3


def test_web_forget_says_try_later_when_rasa_cannot(tmp_path: Path, httpserver: HTTPServer) -> None:
    db = seeded(tmp_path)
    httpserver.expect_request("/webhooks/rest/forget").respond_with_json({"error": "busy"}, status=503)
    server = WebServer(
        replace(web_settings("http://127.0.0.1:9", db), rasa_url=httpserver.url_for("").rstrip("/"))
    )
    server.start()
    try:
        response = requests.post(
            server.url + "/api/forget",
            json={"sender": "forget-me"},
            headers={"Origin": server.url},
            timeout=10,
        )
    finally:
        server.stop()
    assert response.status_code == 503 and "try again" in response.json()["error"]
    assert len(senders(db)) == 3


def test_rate_limit_settings_are_checked_at_start(tmp_path: Path) -> None:
    settings = load({"SIGNPOST_VAR_DIR": str(tmp_path)})
    channel = load_channel(
        settings, {"CHAT_RATE_LIMIT_PER_SENDER": "5/minute", "CHAT_RATE_LIMIT_PER_ADDRESS": "off"}
    )
    assert channel.per_sender is not None and channel.per_sender.amount == 5 and channel.per_address is None
    with pytest.raises(ChannelConfigError, match="CHAT_RATE_LIMIT_PER_SENDER"):
        load_channel(settings, {"CHAT_RATE_LIMIT_PER_SENDER": "lots"})
