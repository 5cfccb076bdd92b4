"""A Rasa stack of its own for the REST channel's limits and forgetting.

It differs from the shared ``stack`` fixture in what these tests need to
control: a fake postcodes.io on loopback whose lookups can be held (so a
message stays in flight for as long as a test wants), Sanic told to trust one
proxy (so tests can pose as different addresses with X-Forwarded-For), small
rate limits, and a global body limit for Rasa's other routes.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import uuid
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.runner import Stack, free_port
from bot.settings import load
from tests.conftest import MODELS, load_sample_directory, stack_env

PER_SENDER = 6
PER_ADDRESS = 10
BODY_LIMIT = 1024 * 1024  # SANIC_REQUEST_MAX_SIZE: what the runner should give Rasa


class HeldPostcodesIo:
    """postcodes.io that answers 503 at once (the bot falls back to its offline table), except for
    postcodes in ``held``: those wait until :meth:`release` (or 60 s)."""

    def __init__(self) -> None:
        self.held: set[str] = set()
        self.arrived = threading.Event()
        self._release = threading.Event()
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(re.compile(r"/.*")).respond_with_handler(self._answer)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def hold(self, postcode: str) -> None:
        self.held = {postcode.replace(" ", "").upper()}
        self.arrived.clear()
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    def _answer(self, request: Request) -> Response:
        code = request.path.rstrip("/").rsplit("/", 1)[-1].replace(" ", "").upper()
        if code in self.held:
            self.arrived.set()
            self._release.wait(60)
        return Response(json.dumps({"status": 503, "error": "held"}), status=503, content_type="application/json")


@pytest.fixture(scope="session")
def postcodes_io() -> Iterator[HeldPostcodesIo]:
    fake = HeldPostcodesIo()
    fake.server.start()
    try:
        yield fake
    finally:
        fake.release()
        fake.server.clear()
        fake.server.stop()


@pytest.fixture(scope="session")
def channel_stack(tmp_path_factory: pytest.TempPathFactory, postcodes_io: HeldPostcodesIo) -> Iterator[Stack]:
    if not any(MODELS.glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` (make test does)")
    var_dir = tmp_path_factory.mktemp("channel-var")
    rasa_port = free_port()
    env = {
        **stack_env(var_dir),
        "GEOCODER": "postcodes_io",
        "POSTCODES_IO_URL": postcodes_io.url,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",  # where the web server sends a forget
        "SANIC_REQUEST_MAX_SIZE": str(BODY_LIMIT),
        "SANIC_PROXIES_COUNT": "1",
        "CHAT_RATE_LIMIT_PER_SENDER": f"{PER_SENDER}/minute",
        "CHAT_RATE_LIMIT_PER_ADDRESS": f"{PER_ADDRESS}/minute",
    }
    load_sample_directory(env)
    running = Stack(
        load(env), rasa_port=rasa_port, action_port=free_port(), token="channel-test-token", env=env,
        web_port=free_port(),
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex}"


def post(stack: Stack, body: Any, headers: Optional[Dict[str, str]] = None, timeout: float = 60) -> requests.Response:
    return requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, headers=headers, timeout=timeout)


def say(stack: Stack, sender: str, text: str, timeout: float = 60) -> List[Dict[str, Any]]:
    response = post(stack, {"sender": sender, "message": text}, timeout=timeout)
    assert response.status_code == 200, response.text
    return response.json()


def stored_events(stack: Stack, sender: str) -> int:
    with sqlite3.connect(stack.settings.tracker_db) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]
