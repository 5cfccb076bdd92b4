"""Where settings come from: bot/settings.py and each area's settings module, nothing else.

And what every child process runs with (bot/process.env, bot/child_env.py).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List

import pytest

from bot.child_env import PROCESS_ENV, process_env
from bot.conversations import rasa_client_token
from bot.runner import Stack, child_environment, rasa_token
from bot.settings import PROJECT_ROOT, load
from bot.staff.settings import load as load_staff
from bot.web.settings import load as load_web

BOT = PROJECT_ROOT / "bot"
# bot/settings.py's docstring names these as the only readers of variables.
READERS = {BOT / "settings.py", *BOT.glob("*/settings.py"), *(BOT / "replicated").glob("*.py")}


def _reads(path: Path) -> List[int]:
    """Lines that read one variable (``os.environ[...]``, ``.get``, ``in``, ``os.getenv``); passing the
    environment on whole (an argument, ``**os.environ``) is not a read."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
            parent = parents.get(node)
            if node.attr == "getenv" or (
                node.attr == "environ" and isinstance(parent, (ast.Attribute, ast.Subscript, ast.Compare))
            ):
                found.append(node.lineno)
    return found


def test_only_the_settings_modules_read_the_environment() -> None:
    readers = {
        str(path.relative_to(PROJECT_ROOT)): lines
        for path in sorted(BOT.rglob("*.py"))
        if path not in READERS and (lines := _reads(path))
    }
    assert not readers, f"read the environment outside a settings module: {readers}"


def test_the_check_sees_a_read() -> None:
    assert _reads(BOT / "settings.py") == []  # it reads through ``env``, which is os.environ passed down
    assert _reads(PROJECT_ROOT / "bench" / "nlu.py")  # os.environ.get("BENCH_FOLDS", ...)


def test_rasa_port_sets_where_clients_find_rasa() -> None:
    assert load({}).rasa_url == "http://localhost:5005"
    assert load({"RASA_PORT": "6001"}).rasa_url == "http://localhost:6001"
    assert load({"RASA_PORT": "6001", "RASA_URL": "http://rasa:5005/"}).rasa_url == "http://rasa:5005"
    assert load({"ACTION_PORT": "6002"}).action_server_url == "http://localhost:6002/webhook"
    assert load_web({"RASA_PORT": "6001"}).widget_rasa_url == "http://localhost:6001"


def test_rasa_token_is_read_once_into_the_settings(tmp_path: Path) -> None:
    env = {"SIGNPOST_VAR_DIR": str(tmp_path), "RASA_TOKEN": "from-env"}
    assert rasa_client_token(load(env)) == "from-env"
    assert load_staff(env).token() == "from-env"
    assert "from-env" not in repr(load(env))
    generated = rasa_token(load({"SIGNPOST_VAR_DIR": str(tmp_path)}))
    assert generated and rasa_client_token(load({"SIGNPOST_VAR_DIR": str(tmp_path)})) == generated


def test_children_run_quietly_even_when_started_outside_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in process_env():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = child_environment(load({"SIGNPOST_VAR_DIR": str(tmp_path)}), {"EXTRA": "1"}, "token")
    assert process_env()["RASA_TELEMETRY_ENABLED"] == "false"
    assert {k: env[k] for k in process_env()} == process_env()
    assert env["PYTHONPATH"] == str(PROJECT_ROOT) and env["EXTRA"] == "1" and env["RASA_TOKEN"] == "token"


def test_process_env_is_plain_key_value_lines_make_can_include() -> None:
    lines = [
        line for line in PROCESS_ENV.read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    assert lines and all(line.split("=", 1)[0].isidentifier() and " " not in line for line in lines)


def test_the_web_server_the_runner_starts_finds_rasa_by_its_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WIDGET_RASA_URL", raising=False)
    stack = Stack(
        load({"SIGNPOST_VAR_DIR": str(tmp_path)}), rasa_port=6101, action_port=6102, token="t", web_port=6103
    )
    web = next(program for program in stack.supervisor.programs if program.name == "web")
    assert load_web({**stack.supervisor.env, **web.env}).widget_rasa_url == "http://localhost:6101"
    assert (
        load_web(
            {**stack.supervisor.env, **web.env, "WIDGET_RASA_URL": "https://chat.example/"}
        ).widget_rasa_url
        == "https://chat.example"
    )
