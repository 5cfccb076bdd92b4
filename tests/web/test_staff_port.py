"""Item 11: with STAFF_PORT the staff console has its own origin; the public port has no /staff/.

Runs ``python -m bot web`` as ``make run`` starts it, with both ports.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import requests

from bot.runner import free_port
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def two_ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, str]]:
    var_dir: Path = tmp_path_factory.mktemp("staff-port")
    web_port, staff_port = free_port(), free_port()
    env = {
        **os.environ,
        "SIGNPOST_VAR_DIR": str(var_dir),
        "WEB_PORT": str(web_port),
        "STAFF_PORT": str(staff_port),
        "RASA_URL": "http://127.0.0.1:9",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    log = open(var_dir / "web.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "web"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    public, staff = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{staff_port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if (
                    requests.get(public + "/health", timeout=2).ok
                    and requests.get(staff + "/health", timeout=2).ok
                ):
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, (var_dir / "web.log").read_text()
            assert time.monotonic() < deadline, "web server did not start"
            time.sleep(0.3)
        yield public, staff
    finally:
        process.terminate()
        process.wait(15)
        log.close()


def test_the_console_is_only_on_the_staff_port(two_ports: Tuple[str, str]) -> None:
    public, staff = two_ports
    for path in ("/staff/", "/staff/login", "/staff"):
        assert requests.get(public + path, allow_redirects=False, timeout=5).status_code == 404, path
    assert (
        requests.post(public + "/staff/login", data={"username": "a", "password": "b"}, timeout=5).status_code
        == 404
    )
    sign_in = requests.get(staff + "/staff/login", timeout=5)
    assert sign_in.status_code == 200 and "<form" in sign_in.text
    assert requests.get(staff + "/staff/", allow_redirects=False, timeout=5).status_code in (302, 303)


def test_the_public_pages_are_only_on_the_public_port(two_ports: Tuple[str, str]) -> None:
    public, staff = two_ports
    for path in ("/", "/widget.js", "/demo.css"):
        assert requests.get(public + path, timeout=5).status_code == 200, path
        assert requests.get(staff + path, timeout=5).status_code == 404, path
    assert requests.post(staff + "/api/forget", json={"sender": "abcdefgh1234"}, timeout=5).status_code == 404
