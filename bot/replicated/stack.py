"""The replicated profile on one machine: ``make run-replicated``.

The same topology as deploy/compose.yml and deploy/kubernetes/, on loopback:
PostgreSQL (conversations, directory, impact rows, staff database) and Redis
(Rasa's lock store) with their data under var/, ``REPLICAS`` stateless Rasa
servers that pull the live model from the web server, two action servers,
the web server, one retention job for the whole deployment, and nginx as the
only public entry. Everything runs under one supervisord, which restarts
whatever crashes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional
from urllib.parse import urlsplit

from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from bot.channels.settings import DEFAULT_PER_ADDRESS, rate
from bot.replicated import nginx, postgres, redis
from bot.runner import (
    Program,
    Service,
    Supervised,
    actions_program,
    child_environment,
    free_port,
    has_model,
    maintenance_program,
    rasa_program,
    telegram_program,
    web_program,
)
from bot.settings import PROJECT_ROOT, Settings
from bot.staff import live_model
from bot.staff.settings import load as load_staff_settings
from bot.staff.store import Store
from bot.supervision import Supervisor
from bot.web.model_server import PATH as MODEL_PATH

ENDPOINTS = "deploy/endpoints.yml"
SAMPLE_DIRECTORY = ("data/directory/hubs.csv", "data/directory/courses.csv")
LOCK_LIFETIME_SECONDS = 20  # a dead replica's conversation locks free up after this (Rasa's default: 60)


@dataclass(frozen=True)
class Ports:
    public: int  # nginx: the only address residents use
    web: int  # the web server behind nginx (and the model server for the replicas)
    rasa: List[int]
    rasa_internal: int  # nginx's loopback-only entry to the replicas, for the Telegram bridge (no rate limit)
    actions: List[int]
    actions_internal: int  # nginx's loopback-only entry to the action servers, for the replicas
    postgres: int
    redis: int
    telegram: int

    @classmethod
    def choose(cls, env: Mapping[str, str], replicas: int, action_servers: int = 2) -> "Ports":
        def port(name: str) -> int:
            return int(env[name]) if env.get(name) else free_port()

        return cls(
            public=int(env.get("WEB_PORT", "8080")),
            web=free_port(),
            rasa=[free_port() for _ in range(replicas)],
            rasa_internal=free_port(),
            actions=[free_port() for _ in range(action_servers)],
            actions_internal=free_port(),
            postgres=port("POSTGRES_PORT"),
            redis=port("REDIS_PORT"),
            telegram=free_port(),
        )


class MissingPackage(RuntimeError):
    """A Debian package the profile needs is not installed."""


def check_packages() -> Path:
    bindir = postgres.binaries()
    missing = [
        text
        for ok, text in (
            (bindir, postgres.MISSING),
            (redis.binary(), redis.MISSING),
            (nginx.binary(), nginx.MISSING),
        )
        if not ok
    ]
    if missing or bindir is None:
        raise MissingPackage("; ".join(missing) + " (scripts/system-deps.sh installs them)")
    return bindir


def per_minute(limit: str) -> int:
    """CHAT_RATE_LIMIT_PER_ADDRESS (``120/minute``, ``off``) as nginx's requests per minute."""
    item = rate("CHAT_RATE_LIMIT_PER_ADDRESS", limit)
    return 1_000_000 if item is None else max(1, round(item.amount * 60 / item.get_expiry()))


def load_directory_if_empty(database_url: str, env: Mapping[str, str]) -> None:
    """The sample directory on a fresh database, as `make run` does for SQLite."""
    subprocess.run(
        [sys.executable, "-m", "bot", "directory", "load", "--if-empty", *SAMPLE_DIRECTORY],
        cwd=PROJECT_ROOT,
        env={**env, "DIRECTORY_URL": database_url},
        check=True,
        capture_output=True,
    )


# The maths libraries' own thread pools (NumPy's OpenBLAS for MiniLM, TensorFlow for TED).
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_INTRA_OP_PARALLELISM_THREADS",
    "TF_INTER_OP_PARALLELISM_THREADS",
)


def thread_limits(env: Mapping[str, str], replicas: int) -> Dict[str, str]:
    """Each replica's share of the cores for its maths libraries (``REPLICA_THREADS``, default cores
    divided by replicas, at least 1). Left alone, one Rasa process's worker threads keep both of this
    machine's cores busy even for one conversation (179% CPU in `make bench-load`), so a second
    replica found no core free; a variable already set by hand wins."""
    threads = env.get("REPLICA_THREADS") or str(max(1, (os.cpu_count() or 1) // max(1, replicas)))
    return {name: env.get(name, threads) for name in THREAD_VARIABLES}


class ReplicatedStack(Supervised):
    def __init__(
        self,
        settings: Settings,
        *,
        token: str,
        replicas: int = 2,
        ports: Optional[Ports] = None,
        env: Optional[Mapping[str, str]] = None,
        pull_seconds: int = 15,
        rate_per_minute: Optional[int] = None,
        burst: int = 20,
    ) -> None:
        env = dict(os.environ if env is None else env)
        bindir = check_packages()
        if rate_per_minute is None:
            rate_per_minute = per_minute(env.get("CHAT_RATE_LIMIT_PER_ADDRESS", DEFAULT_PER_ADDRESS))
        self.settings = settings
        self.token = token
        self.ports = ports = ports or Ports.choose(env, replicas)
        var, logs = settings.var_dir, settings.var_dir / "logs"
        var.mkdir(parents=True, exist_ok=True)
        logs.mkdir(parents=True, exist_ok=True)
        self.cluster = postgres.Cluster(var / "pg", ports.postgres, bindir)
        self.web_url = f"http://localhost:{ports.public}"
        self.rasa_url = self.web_url  # residents reach the REST channel through nginx
        self.database_url = self.cluster.url()
        child_env = child_environment(settings, env, token)
        child_env.update(
            {
                "DIRECTORY_URL": self.database_url,
                "TRACKER_URL": self.database_url,
                "STAFF_DB_URL": self.database_url,
                "MODEL_DELIVERY": "pull",
                "TRACKER_DB_HOST": "127.0.0.1",
                "TRACKER_DB_PORT": str(ports.postgres),
                "TRACKER_DB_NAME": postgres.DATABASE,
                "TRACKER_DB_USER": postgres.USER,
                "TRACKER_DB_PASSWORD": self.cluster.password(),
                "REDIS_HOST": "127.0.0.1",
                "REDIS_PORT": str(ports.redis),
                "REDIS_PASSWORD": redis.password(var),
                "MODEL_SERVER_URL": f"http://127.0.0.1:{ports.web}{MODEL_PATH}",
                "MODEL_PULL_SECONDS": str(pull_seconds),
                "ACTION_SERVER_URL": f"http://127.0.0.1:{ports.actions_internal}/webhook",
                "RASA_URL": f"http://127.0.0.1:{ports.rasa[0]}",
                "TICKET_LOCK_LIFETIME": env.get("TICKET_LOCK_LIFETIME", str(LOCK_LIFETIME_SECONDS)),
                **thread_limits(env, replicas),
            }
        )
        telegram_path = None
        if child_env.get("TELEGRAM_BOT_TOKEN"):
            child_env.update(
                {
                    "TELEGRAM_MODE": "webhook",
                    "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
                    "TELEGRAM_WEBHOOK_PORT": str(ports.telegram),
                }
            )
            telegram_path = urlsplit(child_env.get("TELEGRAM_WEBHOOK_URL", "")).path or None
        programs = [
            self.cluster.program(logs / "postgres.log", ["fsync=on"]),
            redis.program(var, ports.redis, logs / "redis.log"),
            web_program(
                ports.web,
                logs,
                {
                    "WEB_HOST": "127.0.0.1",
                    "ALLOWED_ORIGINS": env.get("ALLOWED_ORIGINS", ""),
                    "WIDGET_RASA_URL": env.get("WIDGET_RASA_URL", self.web_url),
                    "RASA_URL": f"http://127.0.0.1:{ports.rasa_internal}",
                    # nginx is the web server's only peer: believe its X-Forwarded-For (sign-in, text limits)
                    "STAFF_TRUSTED_PROXIES": env.get("STAFF_TRUSTED_PROXIES", "127.0.0.1"),
                },
            ),
            *[
                actions_program(f"actions{i + 1}", port, "127.0.0.1", logs)
                for i, port in enumerate(ports.actions)
            ],
            *[
                rasa_program(
                    f"rasa{i + 1}", port, [], logs, [], ENDPOINTS, {"SANIC_PROXIES_COUNT": "1"}
                )  # nginx's
                for i, port in enumerate(ports.rasa)
            ],
            maintenance_program(logs),
            nginx.program(
                nginx.Routes(
                    public_listen=f"{env.get('PUBLIC_HOST', '127.0.0.1')}:{ports.public}",
                    rasa_servers=[f"127.0.0.1:{port}" for port in ports.rasa],
                    rasa_internal_listen=f"127.0.0.1:{ports.rasa_internal}",
                    web_server=f"127.0.0.1:{ports.web}",
                    action_servers=[f"127.0.0.1:{port}" for port in ports.actions],
                    actions_listen=f"127.0.0.1:{ports.actions_internal}",
                    rate_per_minute=rate_per_minute,
                    burst=burst,
                    telegram_server=f"127.0.0.1:{ports.telegram}" if telegram_path else None,
                    telegram_path=telegram_path,
                ),
                var,
                logs,
            ),
        ]
        if telegram_path:
            programs.append(telegram_program(logs, f"http://127.0.0.1:{ports.rasa_internal}"))
        self.supervisor = supervisor = Supervisor(
            programs,
            var / "supervisor",
            logs / "supervisord.log",
            PROJECT_ROOT,
            child_env,
        )
        by_name: Dict[str, Program] = {p.name: p for p in programs}
        health = {
            "web": f"http://127.0.0.1:{ports.web}/health",
            "nginx": f"http://127.0.0.1:{ports.public}/health",
            **{f"actions{i + 1}": f"http://127.0.0.1:{port}/health" for i, port in enumerate(ports.actions)},
            **{
                f"rasa{i + 1}": f"http://127.0.0.1:{port}/status?token={token}"
                for i, port in enumerate(ports.rasa)
            },
        }
        self.services: List[Service] = [
            Service(
                name,
                program,
                health.get(name),
                supervisor,
                **({"ready": has_model} if name.startswith("rasa") else {}),
            )
            for name, program in by_name.items()
        ]
        self.replicas = [s for s in self.services if s.name.startswith("rasa")]

    def start(self, timeout: float = 240) -> None:
        """Databases first; then the sample directory (when empty) and the live model; then the rest."""
        self.cluster.initialise()
        self.supervisor.start()
        self._wait_for_database(timeout)
        load_directory_if_empty(self.database_url, self.supervisor.env)
        model = live_model.choose(load_staff_settings(self.supervisor.env), Store(self.database_url))
        for note in model.notes:
            print(note)
        if model.path is None:
            raise RuntimeError("no trained model: run `make train`")
        self.wait_healthy(timeout)

    def _wait_for_database(self, timeout: float) -> None:
        engine = create_engine(self.database_url)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    with engine.connect():
                        return
                except OperationalError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"PostgreSQL did not start; see {self.settings.var_dir / 'logs'}"
                        ) from None
                    time.sleep(0.5)
        finally:
            engine.dispose()

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)
