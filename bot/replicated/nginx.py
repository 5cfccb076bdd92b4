"""nginx in front of the replicated profile: the only public entry.

The configuration is rendered from ``templates/nginx.conf.j2`` into var/ at
each start, from the ports the profile chose, and nginx runs in the
foreground under supervisord.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import List, Optional

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.channels.refusals import TOO_LONG, TOO_MANY, nginx_string
from bot.supervision import Program

MISSING = "nginx not found: apt-get install nginx"
TEMPLATES = Path(__file__).parent / "templates"


def binary() -> Optional[str]:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


@dataclass(frozen=True)
class Routes:
    """Who nginx listens as and passes to: ``host:port`` strings, loopback here, service names in deploy/."""

    public_listen: str  # the only address residents use
    rasa_servers: List[str]
    rasa_internal_listen: str  # entry to the replicas for the Telegram bridge: no per-address limit
    web_server: str
    action_servers: List[str]
    actions_listen: str  # where Rasa reaches the action servers
    rate_per_minute: int  # chat and forget requests per client address
    burst: int
    body_limit: str = "16k"  # residents' requests (the REST channel's own limit is 32 KB)
    internal_body_limit: str = "1m"  # Rasa to the action servers: SANIC_REQUEST_MAX_SIZE (bot/runner.py)
    telegram_server: Optional[str] = None
    telegram_path: Optional[str] = None
    workers: int = 1


def render(routes: Routes, state_dir: str, error_log: str, access_log: str) -> str:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    return environment.get_template("nginx.conf.j2").render(
        **asdict(routes),
        state_dir=state_dir,
        error_log=error_log,
        access_log=access_log,
        too_many_body=nginx_string("too_many_messages", TOO_MANY),
        too_long_body=nginx_string("too_large", TOO_LONG),
    )


# deploy/nginx.conf: the same template for deploy/compose.yml and deploy/kubernetes/, where the
# names are services (Docker's DNS, Kubernetes Services) and logs go to the container's output.
CONTAINER_ROUTES = Routes(
    public_listen="8080",
    rasa_servers=["rasa:5005"],
    rasa_internal_listen="8081",
    web_server="web:8080",
    action_servers=["actions:5055"],
    actions_listen="8082",
    rate_per_minute=60,
    burst=20,
    telegram_server="telegram:8443",
    telegram_path="/telegram",
)
DEPLOY_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


def container_config() -> str:
    return render(CONTAINER_ROUTES, "/tmp", "/dev/stderr", "/dev/stdout")


def program(routes: Routes, var_dir: Path, log_dir: Path) -> Program:
    state = var_dir / "nginx"
    state.mkdir(parents=True, exist_ok=True)
    config = state / "nginx.conf"
    config.write_text(
        render(routes, str(state), str(log_dir / "nginx-error.log"), str(log_dir / "nginx-access.log"))
    )
    return Program(
        "nginx",
        [binary() or "nginx", "-c", str(config), "-p", str(state)],
        log_dir / "nginx.log",
        priority=900,
    )
