"""Start and stop the processes that make up Signpost.

``python -m bot run`` (what ``make run`` calls) starts the action server and
the Rasa server, waits until both answer, prints where to chat, and stops
everything on Ctrl-C. The tests start the same :class:`Stack` on free ports.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import requests

from bot.settings import PROJECT_ROOT, Settings, load
from bot.web.settings import load as load_web_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rasa_token(settings: Settings, env: Mapping[str, str]) -> str:
    """RASA_TOKEN, or one generated once and kept in var/ (never in the repo)."""
    if env.get("RASA_TOKEN"):
        return env["RASA_TOKEN"]
    path = settings.var_dir / "rasa_token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass
class Service:
    """One child process with a health URL."""

    name: str
    command: List[str]
    health_url: Optional[str]  # None: healthy while it runs (e.g. the Telegram poller)
    log_path: Path
    env: Dict[str, str]
    headers: Dict[str, str] = field(default_factory=dict)
    process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.command, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()

    def healthy(self) -> bool:
        if self.health_url is None:
            return self.running()
        try:
            return requests.get(self.health_url, headers=self.headers, timeout=2).ok
        except requests.RequestException:
            return False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15) -> None:
        if not self.running():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Stack:
    """The action server and the Rasa server, wired together."""

    def __init__(
        self,
        settings: Settings,
        *,
        rasa_port: int = 5005,
        action_port: int = 5055,
        model: Path = PROJECT_ROOT / "models",
        token: str,
        env: Optional[Mapping[str, str]] = None,
        cors: Sequence[str] = (),
        web_port: Optional[int] = None,
    ) -> None:
        self.settings = settings
        self.token = token
        self.rasa_url = f"http://127.0.0.1:{rasa_port}"
        self.action_url = f"http://127.0.0.1:{action_port}/webhook"
        self.web_port = web_port
        self.web_url = f"http://localhost:{web_port}" if web_port else None
        # The widget's own page may always call Rasa and /api/forget.
        origins = list(cors) + (
            [f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"] if web_port else []
        )
        origins = list(dict.fromkeys(origins))
        logs = settings.var_dir / "logs"
        child_env = {
            **os.environ,
            **(env or {}),
            "ACTION_SERVER_URL": self.action_url,
            "TRACKER_DB": str(settings.tracker_db),
            "DIRECTORY_URL": settings.directory_url,
            "GEOCODER": settings.geocoder,
            "SIGNPOST_VAR_DIR": str(settings.var_dir),
            "PYTHONPATH": str(PROJECT_ROOT),
        }
        bin_dir = Path(sys.executable).parent
        self.actions = Service(
            "action server",
            [str(bin_dir / "rasa"), "run", "actions", "--port", str(action_port), "--actions", "actions"],
            f"http://127.0.0.1:{action_port}/health",
            logs / "actions.log",
            child_env,
        )
        self.rasa = Service(
            "Rasa server",
            [
                str(bin_dir / "rasa"), "run", "--enable-api", "--auth-token", token,
                "--port", str(rasa_port), "--interface", "127.0.0.1",
                "--model", str(model), "--endpoints", "endpoints.yml",
                "--credentials", "credentials.yml", "--cors", *origins,
            ],
            f"{self.rasa_url}/status?token={token}",
            logs / "rasa.log",
            child_env,
        )

        self.web: Optional[Service] = None
        if web_port:
            self.web = Service(
                "web server",
                [sys.executable, "-m", "bot", "web"],
                f"http://127.0.0.1:{web_port}/health",
                logs / "web.log",
                {
                    **child_env,
                    "WEB_HOST": child_env.get("WEB_HOST", "127.0.0.1"),
                    "WEB_PORT": str(web_port),
                    "ALLOWED_ORIGINS": ",".join(origins),
                    "WIDGET_RASA_URL": child_env.get("WIDGET_RASA_URL", f"http://localhost:{rasa_port}"),
                },
            )

        # The Telegram bridge, only when a bot token is configured.
        self.telegram: Optional[Service] = None
        if child_env.get("TELEGRAM_BOT_TOKEN"):
            self.telegram = Service(
                "Telegram bridge",
                [sys.executable, "-m", "bot", "telegram"],
                None,
                logs / "telegram.log",
                {**child_env, "RASA_URL": self.rasa_url},
            )

    @property
    def services(self) -> List[Service]:
        return [s for s in (self.actions, self.rasa, self.web, self.telegram) if s is not None]

    def start(self, timeout: float = 180) -> None:
        for service in self.services:
            service.start()
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 180, services: Optional[List[Service]] = None) -> None:
        deadline = time.monotonic() + timeout
        for service in services or self.services:
            while not service.healthy():
                if not service.running():
                    raise RuntimeError(f"{service.name} exited; see {service.log_path}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{service.name} not healthy after {timeout}s; see {service.log_path}")
                time.sleep(0.5)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()


def _stop_on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run(args: argparse.Namespace) -> int:
    # Ctrl-C and `kill` both stop every child (a shell may start us with SIGINT ignored).
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    settings = load()
    stack = Stack(
        settings,
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        action_port=int(os.environ.get("ACTION_PORT", "5055")),
        token=rasa_token(settings, os.environ),
        cors=load_web_settings().allowed_origins,
        web_port=int(os.environ.get("WEB_PORT", "8080")),
    )
    print("Starting the action server and the Rasa server (this takes about 30 seconds)...")
    try:
        stack.start()
        print(
            "\nSignpost is running.\n"
            f"  Chat on the demo page:   {stack.web_url}/\n"
            f"  Staff console:           {stack.web_url}/staff/  (add an account: .venv/bin/python -m bot staff add-user NAME)\n"
            f"  Chat in this terminal:   make chat   (or .venv/bin/python -m bot chat)\n"
            f"  Telegram:                {'running' if stack.telegram else 'off (set TELEGRAM_BOT_TOKEN)'}\n"
            f"  REST channel:            POST {stack.rasa_url}/webhooks/rest/webhook\n"
            f"  Rasa HTTP API token:     in {settings.var_dir / 'rasa_token'} (or RASA_TOKEN)\n"
            f"  Logs:                    {settings.var_dir / 'logs'}\n"
            "Press Ctrl-C to stop."
        )
        while all(s.running() for s in stack.services):
            time.sleep(1)
        print("A process stopped unexpectedly; see the logs above.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        print("Stopping...")
        stack.stop()


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="start the action server and the Rasa server")
    run.set_defaults(func=_run)
