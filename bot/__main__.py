"""Command-line entry point: ``python -m bot COMMAND ...``.

Each area of the application registers its own sub-commands, so this file
only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from bot.private_files import keep_private

# module path -> name of its ``register(subparsers)`` function
COMMAND_MODULES = (
    "bot.runner",
    "bot.chat",
    "bot.conversations",
    "bot.directory.cli",
    "bot.impact.cli",
    "bot.maintenance",
    "bot.nlu.cli",
    "bot.replicated.cli",
    "bot.staff.cli",
    "bot.telegram.cli",
    "bot.web.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # an area not built yet
            if exc.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    keep_private()
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
