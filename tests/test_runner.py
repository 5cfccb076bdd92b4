"""`python -m bot run` (what `make run` calls): starts everything, Ctrl-C stops it all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.runner import free_port
from bot.settings import PROJECT_ROOT
from tests.conftest import load_sample_directory, stack_env

pytestmark = pytest.mark.stack


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def test_run_prints_where_to_chat_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
    env = {**os.environ, **stack_env(tmp_path), **{k: str(v) for k, v in ports.items()}}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    load_sample_directory(stack_env(tmp_path))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            output.append(line)
            if "Press Ctrl-C" in line or not line:
                break
        text = "".join(output)
        assert "Signpost is running" in text, text
        assert f"http://localhost:{ports['WEB_PORT']}/" in text
        health = [
            f"http://127.0.0.1:{ports['ACTION_PORT']}/health",
            f"http://127.0.0.1:{ports['RASA_PORT']}/",
            f"http://127.0.0.1:{ports['WEB_PORT']}/health",
        ]
        assert all(_answers(url) for url in health)
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0
        assert not any(_answers(url) for url in health), "a child process outlived Ctrl-C"
    finally:
        if process.poll() is None:
            process.kill()
