"""Start and stop the processes that make up Signpost.

``python -m bot run`` (bot/cli.py; what ``make run`` calls) starts the action server, the
Rasa server (with the model staff made live), the web server, the Telegram
bridge and the scheduled retention job under supervisord, waits until they
answer, prints where to chat, and stops everything on Ctrl-C. A process that
crashes is restarted (bot/supervision.py) while the others keep serving. The
tests start the same :class:`Stack` on free ports.
"""

from __future__ import annotations

import random
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import requests

from bot.child_env import child_env
from bot.private_files import generated_secret
from bot.settings import DEFAULT_ACTION_PORT, DEFAULT_RASA_PORT, PROJECT_ROOT, Settings
from bot.supervision import START_RETRIES, Program, Supervisor
from bot.web.settings import load as load_web_settings


def free_port() -> int:
    """A free port below the kernel's range for outgoing connections.

    A port the kernel hands out for ``bind(0)`` comes from the same range as the
    local ports of outgoing connections, so by the time a child process binds
    it, one of the many connections between our processes may hold it (seen:
    PostgreSQL failing with "Address already in use").
    """
    low, _ = _ephemeral_range()
    for _ in range(200):
        port = random.randrange(10000, max(10001, low))
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # everything below the range is taken: let the kernel choose
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ephemeral_range() -> Tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def rasa_token(settings: Settings, env: Optional[Mapping[str, str]] = None) -> str:
    """RASA_TOKEN (from ``env`` when given, else the settings).

    Without one, a token is generated once into var/ (never in the repo).
    """
    given = settings.rasa_token if env is None else env.get("RASA_TOKEN", "")
    return given or generated_secret(settings.var_dir / "rasa_token")


@dataclass
class Service:
    """One supervised child process with a health URL."""

    name: str
    program: Program
    health_url: Optional[str]  # None: healthy while it runs (e.g. the Telegram poller)
    supervisor: Supervisor
    ready: Callable[[requests.Response], bool] = lambda response: response.ok

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
            return self.ready(requests.get(self.health_url, timeout=2))
        except (requests.RequestException, ValueError):
            return False

    def running(self) -> bool:
        """Running, starting, or about to be restarted by supervisord."""
        return self.supervisor.alive() and self.state() in ("STARTING", "RUNNING", "BACKOFF", "EXITED")


# ---------------------------------------------------------------- the programs both profiles run
def actions_command(port: int) -> List[str]:
    """rasa-sdk's action server on ``port`` with our actions/ package (it listens on SANIC_HOST)."""
    return [
        str(Path(sys.executable).parent / "rasa"),
        "run",
        "actions",
        "--port",
        str(port),
        "--actions",
        "actions",
    ]


def actions_program(name: str, port: int, host: str, logs: Path) -> Program:
    return Program(
        name,
        actions_command(port),
        logs / f"{name}.log",
        {"SANIC_HOST": host},  # rasa-sdk listens on SANIC_HOST (its default: every interface)
        priority=200,
    )


def rasa_program(
    name: str,
    port: int,
    origins: Sequence[str],
    logs: Path,
    model_args: Sequence[str],
    endpoints: str = "endpoints.yml",
    env: Optional[Dict[str, str]] = None,
) -> Program:
    """``rasa run`` through bot.rasa_server, which passes the API token without a command line."""
    return Program(
        name,
        [
            sys.executable,
            "-m",
            "bot.rasa_server",
            "run",
            "--enable-api",
            "--port",
            str(port),
            "--interface",
            "127.0.0.1",
            *model_args,
            "--endpoints",
            endpoints,
            "--credentials",
            "credentials.yml",
            "--cors",
            *origins,
        ],
        logs / f"{name}.log",
        # Rasa's listen backlog (100 by default) overflows when a dead replica's share of 200
        # conversations arrives at once: connections are reset and nginx takes the live one for dead.
        {"SANIC_BACKLOG": "1024", **(env or {})},
        start_seconds=10,
        priority=300,
    )


def web_program(port: int, logs: Path, env: Dict[str, str]) -> Program:
    return Program(
        "web",
        [sys.executable, "-m", "bot", "web"],
        logs / "web.log",
        {**env, "WEB_PORT": str(port)},
        priority=100,
    )


def telegram_program(logs: Path, rasa_url: str) -> Program:
    return Program(
        "telegram", [sys.executable, "-m", "bot", "telegram"], logs / "telegram.log", {"RASA_URL": rasa_url}
    )


def maintenance_program(logs: Path) -> Program:
    return Program("maintenance", [sys.executable, "-m", "bot", "maintenance"], logs / "maintenance.log")


def has_model(response: requests.Response) -> bool:
    """Rasa answers /status before it has a model; it is ready once one is loaded."""
    return response.ok and bool(response.json().get("model_file"))


class Supervised:
    """Services under one supervisord: start, wait until they answer, stop."""

    settings: Settings
    supervisor: Supervisor
    services: List[Service]

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


def child_environment(settings: Settings, env: Optional[Mapping[str, str]], token: str) -> Dict[str, str]:
    """What every child process sees (secrets included: environments are not shown by `ps`)."""
    inherited = child_env(PROJECT_ROOT, env)
    return {
        **inherited,
        "TRACKER_DB": str(settings.tracker_db),
        "DIRECTORY_URL": settings.directory_url,
        "GEOCODER": settings.geocoder,
        "SIGNPOST_VAR_DIR": str(settings.var_dir),
        "RASA_TOKEN": token,  # read by bot.rasa_server: never on a command line, where `ps` shows it
        # Sanic (Rasa, rasa-sdk) reads bodies up to 100 MB by default; the chat route limits itself to 32 KB.
        "SANIC_REQUEST_MAX_SIZE": inherited.get("SANIC_REQUEST_MAX_SIZE", "1048576"),
    }


def widget_origins(cors: Sequence[str], web_port: Optional[int]) -> List[str]:
    """The widget's own page may always call Rasa and /api/forget."""
    own = [f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"] if web_port else []
    return list(dict.fromkeys([*cors, *own]))


class Stack(Supervised):
    """The embedded profile: one action server, one Rasa server, the web server, the Telegram bridge."""

    def __init__(
        self,
        settings: Settings,
        *,
        rasa_port: int = DEFAULT_RASA_PORT,
        action_port: int = DEFAULT_ACTION_PORT,
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
        self.web_port = web_port
        self.web_url = f"http://localhost:{web_port}" if web_port else None
        origins = widget_origins(cors, web_port)
        logs = settings.var_dir / "logs"
        child_env = child_environment(settings, env, token)
        action_host = child_env.get("ACTION_HOST", "127.0.0.1")
        wildcard = action_host in ("0.0.0.0", "::", "localhost")
        self.action_url = f"http://{'127.0.0.1' if wildcard else action_host}:{action_port}/webhook"
        child_env["ACTION_SERVER_URL"] = self.action_url
        programs = [
            actions_program("actions", action_port, action_host, logs),
            rasa_program("rasa", rasa_port, origins, logs, ["--model", str(model)]),
        ]
        if web_port:
            programs.append(
                web_program(
                    web_port,
                    logs,
                    {
                        # "End chat and clear" goes through Rasa (bot/conversations.py)
                        "RASA_URL": self.rasa_url,
                        "RASA_PORT": str(
                            rasa_port
                        ),  # the widget's Rasa, unless WIDGET_RASA_URL says otherwise
                        "ALLOWED_ORIGINS": ",".join(origins),
                    },
                )
            )
        if child_env.get("TELEGRAM_BOT_TOKEN"):  # the Telegram bridge, only when a bot token is configured
            programs.append(telegram_program(logs, self.rasa_url))
        if maintenance:
            programs.append(maintenance_program(logs))
        self.supervisor = supervisor = Supervisor(
            programs,
            settings.var_dir / "supervisor",
            logs / "supervisord.log",
            PROJECT_ROOT,
            child_env,
        )
        by_name = {program.name: program for program in programs}
        self.actions = Service(
            "action server", by_name["actions"], f"http://127.0.0.1:{action_port}/health", supervisor
        )
        self.rasa = Service(
            "Rasa server", by_name["rasa"], f"{self.rasa_url}/status?token={token}", supervisor
        )
        self.web = (
            Service("web server", by_name["web"], f"http://127.0.0.1:{web_port}/health", supervisor)
            if "web" in by_name
            else None
        )
        self.telegram = (
            Service("Telegram bridge", by_name["telegram"], None, supervisor)
            if "telegram" in by_name
            else None
        )
        self.maintenance = (
            Service("maintenance", by_name["maintenance"], None, supervisor)
            if "maintenance" in by_name
            else None
        )
        candidates = (self.actions, self.rasa, self.web, self.telegram, self.maintenance)
        self.services = [s for s in candidates if s is not None]


def watch(stack: Supervised) -> int:
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
                    print(
                        f"{when} {name}: failed {START_RETRIES} times in a row; "
                        f"see {stack.settings.var_dir / 'logs'}. The rest keeps serving.",
                        file=sys.stderr,
                        flush=True,
                    )
                else:
                    print(
                        f"{when} {name}: stopped ({state.lower()}); restarting it.",
                        file=sys.stderr,
                        flush=True,
                    )
        last = states
        time.sleep(2)
    print("The process supervisor stopped unexpectedly; see the logs.", file=sys.stderr)
    return 1


def stop_on_signals() -> None:
    """Ctrl-C and `kill` both stop every child (a shell may start us with SIGINT ignored)."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def serve(stack: Supervised, where: str) -> int:
    """Start, print where to chat, report restarts until Ctrl-C, then stop everything."""
    try:
        stack.start()
        print(f"\nSignpost is running.\n{where}\nPress Ctrl-C to stop.", flush=True)
        return watch(stack)
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        print("Stopping...")
        stack.stop()


def staff_url(web_url: str) -> str:
    """STAFF_PORT's own address when set (the console then has its own origin), else under the web server."""
    web = load_web_settings()
    return web.staff_url if web.staff_port else f"{web_url}/staff/"


def where_to_chat(settings: Settings, web_url: str, rasa_url: str, telegram: bool) -> str:
    return (
        f"  Chat on the demo page:   {web_url}/\n"
        f"  Staff console:           {staff_url(web_url)}"
        "  (add an account: .venv/bin/python -m bot staff add-user NAME)\n"
        f"  Chat in this terminal:   make chat   (or .venv/bin/python -m bot chat)\n"
        f"  Telegram:                {'running' if telegram else 'off (set TELEGRAM_BOT_TOKEN)'}\n"
        f"  REST channel:            POST {rasa_url}/webhooks/rest/webhook\n"
        f"  Rasa HTTP API token:     in {settings.var_dir / 'rasa_token'} (or RASA_TOKEN)\n"
        f"  Logs:                    {settings.var_dir / 'logs'}"
    )
