"""`python -m bot run` (what `make run` calls): starts everything with the live model, Ctrl-C stops it all."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.runner import free_port
from bot.settings import PROJECT_ROOT
from bot.staff.store import Store
from tests.support.stack import MODELS, load_sample_directory, stack_env

pytestmark = pytest.mark.stack


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def _models_promoted_then_retrained(models_dir: Path, staff_db: Path) -> str:
    """A promoted model, then a newer staff-trained one nobody promoted; returns the promoted one's name."""
    newest = max(MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    models_dir.mkdir()
    promoted = models_dir / "staff-20260101-090000.tar.gz"
    unreviewed = models_dir / "staff-20260102-090000.tar.gz"
    shutil.copy(newest, promoted)
    shutil.copy(newest, unreviewed)
    os.utime(promoted, (time.time() - 3600, time.time() - 3600))
    store = Store(staff_db)
    store.mark_promoted(store.register_model(str(promoted), "alice"), "alice")
    store.register_model(str(unreviewed), "bob")
    store.dispose()
    return promoted.name


def test_run_serves_the_promoted_model_prints_where_to_chat_and_ctrl_c_stops_every_process(
    tmp_path: Path,
) -> None:
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
    staff = {
        "STAFF_MODELS_DIR": str(tmp_path / "models"),
        "STAFF_DB": str(tmp_path / "staff.db"),
        "RASA_TOKEN": "runner-test-token",
    }
    live = _models_promoted_then_retrained(tmp_path / "models", tmp_path / "staff.db")
    env = {**os.environ, **stack_env(tmp_path), **{k: str(v) for k, v in ports.items()}, **staff}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    load_sample_directory(stack_env(tmp_path))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
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
        status = requests.get(
            f"http://127.0.0.1:{ports['RASA_PORT']}/status", params={"token": "runner-test-token"}, timeout=10
        ).json()
        assert status["model_file"] == live, "a restart must serve the promoted model, not the newest file"
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0
        assert not any(_answers(url) for url in health), "a child process outlived Ctrl-C"
    finally:
        if process.poll() is None:
            process.kill()
