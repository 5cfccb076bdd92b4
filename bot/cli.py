"""The commands of the modules at the top of the package.

They are ``run``, ``chat``, ``conversations`` and ``maintenance``.

Every command lives in a package's ``cli.py``: an area's in ``bot/<area>/cli.py``
(``bot.directory.cli``, ``bot.staff.cli``, ...), and those of the modules
directly in ``bot/`` (bot/runner.py, bot/chat.py, bot/conversations.py,
bot/maintenance.py) here. Each has one ``register(subparsers)`` that
bot/__main__.py calls; the work itself stays in the module the command is about.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Optional

from bot import chat, conversations, maintenance, runner
from bot.settings import load, tracker_location
from bot.staff import live_model
from bot.staff.settings import load as load_staff_settings
from bot.staff.store import Store
from bot.web.settings import load as load_web_settings


# ---------------------------------------------------------------- python -m bot run
def choose_live_model() -> Optional[Path]:
    """The model staff made live (bot/staff/live_model.py), printing anything passed over."""
    staff = load_staff_settings()
    live = live_model.choose(staff, Store(staff.db_location))
    for note in live.notes:
        print(note)
    return live.path


def _run(args: argparse.Namespace) -> int:
    runner.stop_on_signals()
    settings = load()
    model = choose_live_model()
    if model is None:
        return 1
    web = load_web_settings()
    stack = runner.Stack(
        settings,
        rasa_port=settings.rasa_port,
        action_port=settings.action_port,
        model=model,
        token=runner.rasa_token(settings),
        cors=web.allowed_origins,
        web_port=web.port,
        maintenance=True,
    )
    print(
        f"Starting the action server and the Rasa server with model {model.name}"
        " (this takes about 30 seconds)..."
    )
    where = runner.where_to_chat(settings, str(stack.web_url), stack.rasa_url, stack.telegram is not None)
    return runner.serve(stack, where)


# ---------------------------------------------------------------- python -m bot chat
def _chat(args: argparse.Namespace) -> int:
    return chat.chat(args.url or load().rasa_url)


# ---------------------------------------------------------------- python -m bot conversations ...
def _purge(args: argparse.Namespace) -> int:
    settings = load()
    days = args.days if args.days is not None else settings.retention_days
    engine = conversations.tracker_engine(tracker_location(settings.tracker_url, settings.tracker_db))
    deleted = conversations.purge_older_than(engine, days)
    print(f"Deleted {deleted} events from conversations idle for more than {days} days.")
    return 0


def _forget(args: argparse.Namespace) -> int:
    settings = load()
    engine = conversations.tracker_engine(tracker_location(settings.tracker_url, settings.tracker_db))
    try:
        deleted = conversations.forget_through_rasa(
            settings.rasa_url, conversations.rasa_client_token(settings), args.sender_id, engine
        )
    except conversations.ForgetFailed as exc:
        print(f"Could not delete conversation {args.sender_id}: {exc}. Nothing was deleted; try again.")
        return 1
    print(f"Deleted {deleted} events of conversation {args.sender_id}.")
    return 0


# ---------------------------------------------------------------- python -m bot maintenance
def _maintenance(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = load()
    while True:
        for name, deleted in maintenance.run_once(settings):
            maintenance.logger.info("retention: deleted %d %s", deleted, name)
        if args.once:
            return 0
        time.sleep(settings.maintenance_interval_minutes * 60)


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="start the action server and the Rasa server")
    run.set_defaults(func=_run)

    chat_parser = subparsers.add_parser("chat", help="chat with the running assistant in this terminal")
    chat_parser.add_argument("--url", help="Rasa server URL (default RASA_URL)")
    chat_parser.set_defaults(func=_chat)

    parser = subparsers.add_parser("conversations", help="delete conversations (privacy)")
    commands = parser.add_subparsers(dest="conversations_command", required=True)
    purge = commands.add_parser(
        "purge", help="delete conversations idle for longer than the retention period"
    )
    purge.add_argument("--days", type=int, help="default CONVERSATION_RETENTION_DAYS")
    purge.set_defaults(func=_purge)
    forget_one = commands.add_parser(
        "forget", help="delete one conversation (asks the running Rasa server first)"
    )
    forget_one.add_argument("sender_id")
    forget_one.set_defaults(func=_forget)

    retention = subparsers.add_parser(
        "maintenance", help="delete what is past its retention period, on a schedule"
    )
    retention.add_argument("--once", action="store_true", help="one round, then exit")
    retention.set_defaults(func=_maintenance)
