"""``python -m bot run-replicated`` (what ``make run-replicated`` calls)."""

from __future__ import annotations

import argparse
import os
import sys

from bot.replicated.stack import MissingPackage, ReplicatedStack
from bot.runner import rasa_token, serve, stop_on_signals, where_to_chat
from bot.settings import load


def _run_replicated(args: argparse.Namespace) -> int:
    stop_on_signals()
    settings = load()
    replicas = int(os.environ.get("REPLICAS", "2"))
    try:
        stack = ReplicatedStack(
            settings,
            token=rasa_token(settings),
            replicas=replicas,
            pull_seconds=int(os.environ.get("MODEL_PULL_SECONDS", "15")),
        )
    except MissingPackage as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        return 1
    print(
        f"Starting PostgreSQL, Redis, {replicas} Rasa replicas, 2 action servers, the web server and nginx "
        "(this takes about a minute)..."
    )
    where = where_to_chat(
        settings, stack.web_url, stack.rasa_url, any(s.name == "telegram" for s in stack.services)
    )
    return serve(stack, where + f"\n  Replicas:                {replicas} (REPLICAS), behind nginx")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run-replicated", help="PostgreSQL, Redis, several Rasa replicas and nginx"
    )
    parser.set_defaults(func=_run_replicated)
