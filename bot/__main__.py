"""Command-line entry point: ``python -m bot COMMAND ...``.

Every command lives in a package's ``cli.py`` (bot/cli.py for the modules at
the top of ``bot/``, ``bot/<area>/cli.py`` for an area), each with one
``register(subparsers)``; this file only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from bot.private_files import keep_private

# Each module has a ``register(subparsers)`` function.
COMMAND_MODULES = (
    "bot.cli",
    "bot.directory.cli",
    "bot.geo.cli",
    "bot.impact.cli",
    "bot.nlu.cli",
    "bot.referrals.cli",
    "bot.replicated.cli",
    "bot.staff.cli",
    "bot.telegram.cli",
    "bot.web.cli",
    "bot.wording.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not f"{module_name}.".startswith(f"{exc.name}."):
                raise  # something the module imports is missing: its own error says what
            raise ImportError(f"{module_name} is in COMMAND_MODULES but does not exist") from exc
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    keep_private()
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
