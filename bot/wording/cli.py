"""``python -m bot wording sync``: bring every language's catalogue in step with English."""

from __future__ import annotations

import argparse

from bot.settings import PROJECT_ROOT
from bot.wording import SUPPORTED_LANGUAGES, _domain_responses


def _sync(args: argparse.Namespace) -> int:
    from bot.wording.sync import sync

    domain = _domain_responses(PROJECT_ROOT / "domain.yml")
    responses = {name: str(variations[0]["text"]) for name, variations in domain.items()}
    for path in sync(args.languages, responses):
        print(f"updated {path.relative_to(PROJECT_ROOT)}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    wording = subparsers.add_parser("wording", help="the message catalogues")
    commands = wording.add_subparsers(dest="wording_command", required=True)
    sync = commands.add_parser(
        "sync", help="add new English keys and domain responses to every language's catalogue"
    )
    sync.add_argument("languages", nargs="*", default=list(SUPPORTED_LANGUAGES))
    sync.set_defaults(func=_sync)
