"""``python -m bot``: every command in a package's cli.py.

A command module that is missing is an error.
"""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path

import pytest

from bot import __main__ as entry
from bot.settings import PROJECT_ROOT
from tests.support.cli import run_module

COMMANDS = {
    "run",
    "chat",
    "conversations",
    "maintenance",
    "directory",
    "geo",
    "impact",
    "nlu",
    "referrals",
    "run-replicated",
    "staff",
    "telegram",
    "web",
    "wording",
}


def _commands() -> set:
    return set(entry.build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def test_every_command_is_registered() -> None:
    assert _commands() == COMMANDS


@pytest.mark.parametrize("missing", ["bot.directory.no_such_cli", "bot.no_such_area.cli"])
def test_a_missing_command_module_is_an_error_not_a_missing_command(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setattr(entry, "COMMAND_MODULES", (*entry.COMMAND_MODULES, missing))
    with pytest.raises(ImportError, match=f"{missing} is in COMMAND_MODULES but does not exist"):
        entry.build_parser()


def test_commands_are_registered_only_from_cli_modules() -> None:
    assert all(name == "bot.cli" or name.endswith(".cli") for name in entry.COMMAND_MODULES)
    elsewhere = []
    for path in sorted((PROJECT_ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if path.name != "cli.py" and any(
            isinstance(node, ast.FunctionDef) and node.name == "register" for node in tree.body
        ):
            elsewhere.append(str(path.relative_to(PROJECT_ROOT)))
    assert not elsewhere, f"commands registered outside a cli.py: {elsewhere}"


def test_a_moved_command_still_runs(tmp_path: Path) -> None:
    """``conversations purge`` (bot/cli.py) on an empty tracker store: nothing to delete, said plainly."""
    env = {**os.environ, "SIGNPOST_VAR_DIR": str(tmp_path), "TRACKER_DB": str(tmp_path / "tracker.db")}
    done = run_module("bot", "conversations", "purge", "--days", "30", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Deleted 0 events from conversations idle for more than 30 days."


def test_the_staff_module_run_directly_is_the_same_entry_point(tmp_path: Path) -> None:
    """``python -m bot.staff.cli staff ...`` goes through bot/__main__.py too, so its files are private."""
    env = {**os.environ, "SIGNPOST_VAR_DIR": str(tmp_path), "STAFF_DB": str(tmp_path / "staff" / "staff.db")}
    done = run_module("bot.staff.cli", "staff", "users", env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "staff" / "staff.db").stat().st_mode & 0o077 == 0


def test_staff_accounts_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "SIGNPOST_VAR_DIR": str(tmp_path), "STAFF_DB": str(tmp_path / "staff" / "staff.db")}

    def staff(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return run_module("bot", "staff", *args, env=env, stdin=stdin)

    assert (
        staff("add-user", "carol", stdin="a long enough password\n").stdout.strip()
        == "Added staff user carol."
    )
    assert "already exists" in staff("add-user", "carol", stdin="a long enough password\n").stderr
    gone = staff("remove-user", "carol")
    assert gone.returncode == 0 and gone.stdout.strip() == "Removed carol and signed them out."
    missing = staff("set-password", "carol", stdin="another long password\n")
    assert missing.returncode == 1 and missing.stderr.strip() == "no user carol"
    assert staff("users").stdout.strip() == ""
