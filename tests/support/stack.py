"""The real trained model behind a real Rasa server, for tests and benchmarks.

:func:`running_stack` starts the action server, the Rasa server and the web
server (the same :class:`bot.runner.Stack` that ``make run`` uses) on free
ports, with a fresh directory database loaded from the sample CSV files and
the offline geocoder unless told otherwise: postcodes.io is outside this machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional

import pytest
import requests

from bot.runner import Stack, free_port
from bot.settings import PROJECT_ROOT, load

# SIGNPOST_TEST_MODELS: a folder of models to serve instead (a model just trained elsewhere).
MODELS = Path(os.environ.get("SIGNPOST_TEST_MODELS") or PROJECT_ROOT / "models")


def stack_env(var_dir: Path) -> Dict[str, str]:
    return {
        "SIGNPOST_VAR_DIR": str(var_dir),
        "DIRECTORY_URL": f"sqlite:///{var_dir / 'directory.db'}",
        "GEOCODER": "offline",
        "RASA_TELEMETRY_ENABLED": "false",
    }


def load_sample_directory(env: Dict[str, str]) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "directory",
            "load",
            "data/directory/hubs.csv",
            "data/directory/courses.csv",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )


def sample_stack(
    var_dir: Path,
    token: str,
    env: Optional[Mapping[str, str]] = None,
    rasa_port: Optional[int] = None,
    model: Path = MODELS,
    web: bool = True,
) -> Stack:
    """A stack (not started) on free ports over a fresh sample directory in ``var_dir``.

    ``env`` goes on top of :func:`stack_env`; ``model`` is a file or the
    folder whose newest model Rasa serves; ``web=False`` leaves out the web server.
    """
    full_env = {**stack_env(var_dir), **(env or {})}
    load_sample_directory(full_env)
    return Stack(
        load(full_env),
        rasa_port=rasa_port or free_port(),
        action_port=free_port(),
        token=token,
        env=full_env,
        web_port=free_port() if web else None,
        model=model,
    )


@contextmanager
def running_stack(
    var_dir: Path, token: str, env: Optional[Mapping[str, str]] = None, rasa_port: Optional[int] = None
) -> Iterator[Stack]:
    """A started :func:`sample_stack` with the web server, stopped however the test ends."""
    if not any(MODELS.glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` (make test does)")
    running = sample_stack(var_dir, token, env, rasa_port)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@dataclass
class Conversation:
    """One resident talking to the REST channel."""

    rasa_url: str
    sender: str

    def say(self, text: str) -> List[Dict[str, Any]]:
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    @staticmethod
    def texts(replies: List[Dict[str, Any]]) -> str:
        return "\n".join(r.get("text", "") for r in replies if r.get("text"))

    @staticmethod
    def hubs(replies: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        return [
            h for r in replies if (r.get("custom") or {}).get("type") == "hubs" for h in r["custom"]["hubs"]
        ]
