"""Start and stop the processes that make up Signpost.

``python -m bot run`` (what ``make run`` calls) starts the action server, the
Rasa server (with the model staff made live), the web server, the Telegram
bridge and the scheduled retention job under supervisord, waits until they
answer, prints where to chat, and stops everything on Ctrl-C. A process that
crashes is restarted (bot/supervision.py) while the others keep serving. The
tests start the same :class:`Stack` on free ports.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import requests

from bot.private_files import generated_secret
from bot.settings import PROJECT_ROOT, Settings, load
from bot.staff import live_model
from bot.staff.settings import load as load_staff_settings
from bot.staff.store import Store
from bot.supervision import START_RETRIES, Program, Supervisor
from bot.web.settings import load as load_web_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rasa_token(settings: Settings, env: Mapping[str, str]) -> str:
    """RASA_TOKEN, or one generated once and kept in var/ (never in the repo)."""
    if env.get("RASA_TOKEN"):
        return env["RASA_TOKEN"]
    return generated_secret(settings.var_dir / "rasa_token")


@dataclass
class Service:
    """One supervised child process with a health URL."""

    name: str
    program: Program
    health_url: Optional[str]  # None: healthy while it runs (e.g. the Telegram poller)
    supervisor: Supervisor
    headers: Dict[str, str] = field(default_factory=dict)

    @property
    def log_path(self) -> Path:
        return self.program.log_path

    def start(self) -> None:
        self.supervisor.start_program(self.program.name)

    def stop(self) -> None:
        self.supervisor.stop_program(self.program.name)

    def pid(self) -> int:
        """The process id now (0 when not running); a restarted process has a new one."""
        return int(self.supervisor.info(self.program.name)["pid"])

    def state(self) -> str:
        return str(self.supervisor.info(self.program.name)["statename"])

    def healthy(self) -> bool:
        if self.health_url is None:
            return self.running()
        try:
            return requests.get(self.health_url, headers=self.headers, timeout=2).ok
        except requests.RequestException:
            return False

    def running(self) -> bool:
        """Running, starting, or about to be restarted by supervisord."""
        return self.supervisor.alive() and self.state() in ("STARTING", "RUNNING", "BACKOFF", "EXITED")


class Stack:
    """The action server, the Rasa server, the web server and the Telegram bridge, under supervisord."""

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
        maintenance: bool = False,
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
            "RASA_TOKEN": token,  # read by bot.rasa_server: never on a command line, where `ps` shows it
        }
        action_host = child_env.get("ACTION_HOST", "127.0.0.1")
        if action_host not in ("127.0.0.1", "0.0.0.0", "::", "localhost"):
            self.action_url = f"http://{action_host}:{action_port}/webhook"
            child_env["ACTION_SERVER_URL"] = self.action_url
        python = sys.executable
        programs: Dict[str, Program] = {
            "actions": Program(
                "actions",
                [str(Path(python).parent / "rasa"), "run", "actions", "--port", str(action_port), "--actions", "actions"],
                logs / "actions.log",
                {"SANIC_HOST": action_host},  # rasa-sdk listens on SANIC_HOST (its default: every interface)
            ),
            "rasa": Program(
                "rasa",
                [
                    python, "-m", "bot.rasa_server", "run", "--enable-api",
                    "--port", str(rasa_port), "--interface", "127.0.0.1",
                    "--model", str(model), "--endpoints", "endpoints.yml",
                    "--credentials", "credentials.yml", "--cors", *origins,
                ],
                logs / "rasa.log",
                start_seconds=10,
            ),
        }
        if web_port:
            programs["web"] = Program(
                "web",
                [python, "-m", "bot", "web"],
                logs / "web.log",
                {
                    "WEB_HOST": child_env.get("WEB_HOST", "127.0.0.1"),
                    "WEB_PORT": str(web_port),
                    "ALLOWED_ORIGINS": ",".join(origins),
                    "WIDGET_RASA_URL": child_env.get("WIDGET_RASA_URL", f"http://localhost:{rasa_port}"),
                },
            )
        # The Telegram bridge, only when a bot token is configured.
        if child_env.get("TELEGRAM_BOT_TOKEN"):
            programs["telegram"] = Program(
                "telegram", [python, "-m", "bot", "telegram"], logs / "telegram.log", {"RASA_URL": self.rasa_url},
            )
        if maintenance:
            programs["maintenance"] = Program(
                "maintenance", [python, "-m", "bot", "maintenance"], logs / "maintenance.log",
            )
        self.supervisor = Supervisor(
            list(programs.values()), settings.var_dir / "supervisor", logs / "supervisord.log", PROJECT_ROOT,
            child_env,
        )
        supervisor = self.supervisor
        self.actions = Service("action server", programs["actions"], f"http://127.0.0.1:{action_port}/health", supervisor)
        self.rasa = Service("Rasa server", programs["rasa"], f"{self.rasa_url}/status?token={token}", supervisor)
        self.web: Optional[Service] = None
        if "web" in programs:
            self.web = Service("web server", programs["web"], f"http://127.0.0.1:{web_port}/health", supervisor)
        self.telegram: Optional[Service] = None
        if "telegram" in programs:
            self.telegram = Service("Telegram bridge", programs["telegram"], None, supervisor)
        self.maintenance: Optional[Service] = None
        if "maintenance" in programs:
            self.maintenance = Service("maintenance", programs["maintenance"], None, supervisor)

    @property
    def services(self) -> List[Service]:
        candidates = (self.actions, self.rasa, self.web, self.telegram, self.maintenance)
        return [s for s in candidates if s is not None]

    def start(self, timeout: float = 180) -> None:
        self.supervisor.start()
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
        self.supervisor.stop()


def _stop_on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _watch(stack: Stack) -> int:
    """Report restarts while supervisord keeps the processes up; returns when supervisord itself dies."""
    last: Dict[str, str] = {}
    while stack.supervisor.alive():
        try:
            states = stack.supervisor.states()
        except OSError:
            states = last
        for name, state in states.items():
            if last.get(name, "RUNNING") != state and state != "STARTING":
                when = time.strftime("%H:%M:%S")
                if state == "RUNNING":
                    print(f"{when} {name}: running again.", flush=True)
                elif state == "FATAL":
                    print(f"{when} {name}: failed {START_RETRIES} times in a row; "
                          f"see {stack.settings.var_dir / 'logs'}. The rest keeps serving.", file=sys.stderr, flush=True)
                else:
                    print(f"{when} {name}: stopped ({state.lower()}); restarting it.", file=sys.stderr, flush=True)
        last = states
        time.sleep(2)
    print("The process supervisor stopped unexpectedly; see the logs.", file=sys.stderr)
    return 1


def _run(args: argparse.Namespace) -> int:
    # Ctrl-C and `kill` both stop every child (a shell may start us with SIGINT ignored).
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    settings = load()
    live = live_model.choose(load_staff_settings(), Store(load_staff_settings().db_path))
    for note in live.notes:
        print(note)
    if live.path is None:
        return 1
    stack = Stack(
        settings,
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        action_port=int(os.environ.get("ACTION_PORT", "5055")),
        model=live.path,
        token=rasa_token(settings, os.environ),
        cors=load_web_settings().allowed_origins,
        web_port=int(os.environ.get("WEB_PORT", "8080")),
        maintenance=True,
    )
    print(f"Starting the action server and the Rasa server with model {live.path.name} "
          "(this takes about 30 seconds)...")
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
            "Press Ctrl-C to stop.",
            flush=True,
        )
        return _watch(stack)
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
