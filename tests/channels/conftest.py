"""A Rasa stack of its own for the REST channel's limits and forgetting.

It differs from the shared ``stack`` fixture in what these tests need to
control: a fake postcodes.io on loopback whose lookups can be held (so a
message stays in flight for as long as a test wants), Sanic told to trust one
proxy (so tests can pose as different addresses with X-Forwarded-For), small
rate limits, and a global body limit for Rasa's other routes.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests

from bot.runner import Stack, free_port
from tests.support.fake_postcodes_io import FakePostcodesIo, running
from tests.support.stack import running_stack

PER_SENDER = 6
PER_ADDRESS = 10
BODY_LIMIT = 1024 * 1024  # SANIC_REQUEST_MAX_SIZE: what the runner should give Rasa


@pytest.fixture(scope="session")
def postcodes_io() -> Iterator[FakePostcodesIo]:
    """postcodes.io down (503 at once: the bot uses its offline table), except that a lookup
    of a postcode a test holds waits until the test releases it (or 60 s)."""
    yield from running(hang_for=60, available=False)


@pytest.fixture(scope="session")
def channel_stack(tmp_path_factory: pytest.TempPathFactory, postcodes_io: FakePostcodesIo) -> Iterator[Stack]:
    rasa_port = free_port()
    env = {
        "GEOCODER": "postcodes_io",
        "POSTCODES_IO_URL": postcodes_io.url,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",  # where the web server sends a forget
        "SANIC_REQUEST_MAX_SIZE": str(BODY_LIMIT),
        "SANIC_PROXIES_COUNT": "1",
        "CHAT_RATE_LIMIT_PER_SENDER": f"{PER_SENDER}/minute",
        "CHAT_RATE_LIMIT_PER_ADDRESS": f"{PER_ADDRESS}/minute",
    }
    with running_stack(tmp_path_factory.mktemp("channel-var"), "channel-test-token", env, rasa_port) as stack:
        yield stack


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex}"


def post(
    stack: Stack, body: Any, headers: Optional[Dict[str, str]] = None, timeout: float = 60
) -> requests.Response:
    return requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json=body, headers=headers, timeout=timeout
    )


def say(stack: Stack, sender: str, text: str, timeout: float = 60) -> List[Dict[str, Any]]:
    response = post(stack, {"sender": sender, "message": text}, timeout=timeout)
    assert response.status_code == 200, response.text
    return response.json()


def stored_events(stack: Stack, sender: str) -> int:
    with sqlite3.connect(stack.settings.tracker_db) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]
