"""A real action server: one hung postcodes.io lookup does not hold up other residents.

The action server (``rasa run actions``, as ``make run`` starts it) talks to a
fake postcodes.io on loopback that hangs 30 s for NR2 4EE. Each attempt may
wait 10 s (GEOCODER_TIMEOUT), so without an overall deadline that resident
waits about 30 s; and were the lookup run on the event loop, the five
residents asking meanwhile would all be answered only after it gave up.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pytest
import requests

from bot.runner import actions_command, free_port
from bot.settings import PROJECT_ROOT
from tests.actions.conftest import rendered
from tests.support.fake_postcodes_io import FakePostcodesIo, running

HUNG = "NR2 4EE"
OTHERS = ("NR3 1AB", "NR1 3QR", "NR5 8LD", "NR4 7TJ", "NR6 5DP")


@pytest.fixture
def hanging_postcodes_io() -> Iterator[FakePostcodesIo]:
    yield from running(hang={HUNG}, hang_for=30)


@pytest.fixture
def action_server(directory_url: str, hanging_postcodes_io: FakePostcodesIo, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "SIGNPOST_VAR_DIR": str(tmp_path),
        "DIRECTORY_URL": directory_url,
        "GEOCODER": "postcodes_io",
        "POSTCODES_IO_URL": hanging_postcodes_io.url,
        "GEOCODER_TIMEOUT": "10",
        "GEOCODER_DEADLINE": "4",
        "SANIC_HOST": "127.0.0.1",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    log = (tmp_path / "actions.log").open("wb")
    server = subprocess.Popen(
        actions_command(port),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{url}/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"action server did not start:\n{(tmp_path / 'actions.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def ask(url: str, postcode: str) -> Tuple[float, float, str]:
    """A resident asking for help near ``postcode``.

    Returns (asked at, answered at, the answer's text as Rasa says it).
    """
    sender = f"test-{uuid.uuid4().hex}"
    latest: Dict[str, Any] = {
        "text": f"where can i get help online near {postcode}",
        "intent": {"name": "find_hub", "confidence": 0.95},
        "entities": [{"entity": "postcode", "value": postcode}],
        "metadata": {"channel": "web"},
    }
    call = {
        "next_action": "action_find_help",
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": latest,
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {},
        "version": "3.6.2",
    }
    asked = time.monotonic()
    response = requests.post(f"{url}/webhook", json=call, timeout=60)
    answered = time.monotonic()
    response.raise_for_status()
    return asked, answered, "\n".join(rendered(r) or "" for r in response.json()["responses"])


def test_one_hung_lookup_does_not_hold_up_other_residents(
    action_server: str,
    hanging_postcodes_io: FakePostcodesIo,
) -> None:
    ask(action_server, "NR7 0AA")  # the first answer builds the action server's context
    with ThreadPoolExecutor(max_workers=1 + len(OTHERS)) as pool:
        hung = pool.submit(ask, action_server, HUNG)
        assert hanging_postcodes_io.arrived.wait(10), "the hung lookup never reached postcodes.io"
        others = [pool.submit(ask, action_server, postcode) for postcode in OTHERS]
        answers = [future.result() for future in others]
        hung_asked, hung_answered, hung_text = hung.result()
    for postcode, (asked, answered, text) in zip(OTHERS, answers, strict=True):
        assert f"near {postcode}" in text  # postcodes.io's own answer, not the fallback
        assert answered - asked < 8, f"{postcode} waited {answered - asked:.1f} s"
        assert answered < hung_answered, f"{postcode} was answered only after the hung lookup gave up"
    assert "near NR2 (Norwich)" in hung_text  # the offline outcode table answered
    assert hung_answered - hung_asked < 8, f"the hung resident waited {hung_answered - hung_asked:.1f} s"
