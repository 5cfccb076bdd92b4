"""deploy/ stays in step with the code: commands that exist, settings the code reads, one nginx template.

There is no Docker daemon or Kubernetes cluster here, so the files are parsed
and checked against the code rather than run; `make run-replicated` runs the
same topology on this machine (tests/scale/).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest
import yaml

from bot.__main__ import build_parser
from bot.replicated.nginx import CONTAINER_ROUTES, DEPLOY_CONFIG, container_config
from bot.replicated.stack import THREAD_VARIABLES
from bot.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
IMAGE = "signpost:latest"
# Read by Rasa, rasa-sdk or Python rather than by our code; documented in the README all the same.
THIRD_PARTY = {"SANIC_HOST", "TICKET_LOCK_LIFETIME", "PYTHONPATH", *THREAD_VARIABLES}


def _read_by_code() -> Set[str]:
    # env.get("X"), env["X"], os.environ.get("X"), and helpers called as helper(env, "X", ...)
    pattern = re.compile(r"""(?:env|environ)(?:\.get\(|\[|,)\s*["']([A-Z][A-Z0-9_]+)["']""")
    names: Set[str] = set()
    for folder in ("bot", "actions"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            names |= set(pattern.findall(path.read_text()))
    return names


def _endpoint_variables() -> Set[str]:
    return set(re.findall(r"\$\{([A-Z0-9_]+)\}", (DEPLOY / "endpoints.yml").read_text()))


def _env_example() -> Dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "signpost.env.example").read_text().splitlines():
        line = line.lstrip("# ").strip()
        if "=" in line and re.match(r"^[A-Z][A-Z0-9_]*=", line):
            key, value = line.split("=", 1)
            pairs[key] = value
    return pairs


def _compose() -> Dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text())


def _kubernetes() -> List[Dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / "kubernetes" / "signpost.yaml").read_text()) if d]


def _our_containers() -> Iterator[Tuple[str, List[str], Set[str]]]:
    """(where, command, environment names) of every container running our image."""
    for name, service in _compose()["services"].items():
        if service.get("image") == IMAGE or "build" in service:
            env = set(service.get("environment") or {}) | (
                set(_env_example()) if service.get("env_file") else set()
            )
            yield f"compose {name}", service["command"], env
    for doc in _kubernetes():
        spec = doc.get("spec", {})
        pod = spec.get("template", {}).get("spec") or spec.get("jobTemplate", {}).get("spec", {}).get(
            "template", {}
        ).get("spec")
        for container in (pod or {}).get("containers", []):
            if container["image"] == IMAGE:
                env = {e["name"] for e in container.get("env", [])}
                if any("secretRef" in source for source in container.get("envFrom", [])):
                    env |= set(_env_example())
                yield f"kubernetes {doc['metadata']['name']}", container["command"], env


def test_every_container_runs_a_command_that_exists() -> None:
    subcommands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    seen = 0
    for where, command, _ in _our_containers():
        seen += 1
        if command[:3] == ["python", "-m", "bot"]:
            assert command[3] in subcommands, f"{where}: python -m bot {command[3]} does not exist"
        elif command[:2] == ["python", "-m"]:
            module = PROJECT_ROOT / Path(*command[2].split("."))
            assert module.with_suffix(".py").exists(), f"{where}: no module {command[2]}"
        else:
            assert command[:3] == ["rasa", "run", "actions"], f"{where}: unexpected command {command}"
    assert seen == 9  # compose: 5 services; Kubernetes: 4 workloads


def test_every_setting_in_deploy_is_read_by_the_code_and_documented() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    known = _read_by_code() | _endpoint_variables() | THIRD_PARTY
    for where, _, env in _our_containers():
        unknown = sorted(env - known)
        assert not unknown, f"{where} sets {unknown}, which nothing reads"
        undocumented = sorted(name for name in env if f"`{name}`" not in readme)
        assert not undocumented, f"{where} sets {undocumented}, missing from the README's configuration table"


def test_rasa_containers_have_every_variable_deploy_endpoints_needs() -> None:
    needed = _endpoint_variables()
    rasa = [(where, env) for where, command, env in _our_containers() if "bot.rasa_server" in command]
    assert len(rasa) == 2
    for where, env in rasa:
        assert needed <= env, f"{where} lacks {sorted(needed - env)} (deploy/endpoints.yml)"


def test_deploy_nginx_conf_is_the_template_rendered_for_containers() -> None:
    assert DEPLOY_CONFIG.read_text() == container_config(), (
        "deploy/nginx.conf is out of date: make deploy-files"
    )


def test_container_ports_match_the_nginx_routes() -> None:
    commands = {where: command for where, command, _ in _our_containers()}
    rasa_port = CONTAINER_ROUTES.rasa_servers[0].split(":")[1]
    actions_port = CONTAINER_ROUTES.action_servers[0].split(":")[1]
    for where, command in commands.items():
        if "bot.rasa_server" in command:
            assert command[command.index("--port") + 1] == rasa_port, where
        if command[:3] == ["rasa", "run", "actions"]:
            assert command[command.index("--port") + 1] == actions_port, where
    compose = _compose()["services"]
    assert compose["web"]["environment"]["WEB_PORT"] == CONTAINER_ROUTES.web_server.split(":")[1]
    assert compose["nginx"]["ports"] == [f"80:{CONTAINER_ROUTES.public_listen}"]


@pytest.mark.parametrize(
    "line", [line for line in (DEPLOY / "Dockerfile").read_text().splitlines() if line.startswith("COPY ")]
)
def test_dockerfile_copies_files_that_exist(line: str) -> None:
    *sources, _ = line.split()[1:]
    for source in sources:
        assert (PROJECT_ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repository"


def test_scheduled_jobs_run_once_per_deployment() -> None:
    compose = _compose()["services"]
    assert "replicas" not in compose["maintenance"].get("deploy", {})
    jobs = [d for d in _kubernetes() if d["kind"] == "CronJob"]
    assert [j["metadata"]["name"] for j in jobs] == ["maintenance"]
    assert jobs[0]["spec"]["concurrencyPolicy"] == "Forbid"
