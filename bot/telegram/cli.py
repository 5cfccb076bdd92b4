"""``python -m bot telegram``: run the Telegram bot (polling or webhook, per settings)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from telegram.ext import Application

from bot.conversations import forget_through_rasa, rasa_client_token, tracker_engine
from bot.settings import load, tracker_location
from bot.telegram.app import build_application, polling_options, webhook_options
from bot.telegram.rasa_client import RasaClient
from bot.telegram.settings import TelegramConfigError, TelegramSettings, load_telegram, secret_key


def quiet_logging() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the bot token."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def create(telegram: TelegramSettings) -> Application:
    settings = load()
    engine = tracker_engine(tracker_location(settings.tracker_url, settings.tracker_db))
    token = rasa_client_token(settings)
    return build_application(
        settings,
        telegram,
        RasaClient(settings.rasa_url, timeout=telegram.rasa_timeout),
        secret_key=secret_key(settings.var_dir, os.environ),
        # Through Rasa, under its conversation lock: a reply still being worked out cannot undo it.
        forget=lambda sender: forget_through_rasa(settings.rasa_url, token, sender, engine),
    )


def _run(args: argparse.Namespace) -> int:
    telegram = load_telegram()
    if args.mode:
        telegram = TelegramSettings(**{**telegram.__dict__, "mode": args.mode})
    try:
        telegram.check()
    except TelegramConfigError as exc:
        print(f"Cannot start the Telegram bot: {exc}", file=sys.stderr)
        return 2
    quiet_logging()
    application = create(telegram)
    if telegram.mode == "webhook":
        print(
            f"Telegram bot: webhook on {telegram.webhook_listen}:{telegram.webhook_port}"
            f" for {telegram.webhook_url}"
        )
        application.run_webhook(**webhook_options(telegram))
    else:
        print("Telegram bot: long polling. Press Ctrl-C to stop.")
        application.run_polling(**polling_options())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "telegram", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN and a running Rasa)"
    )
    parser.add_argument("--mode", choices=("polling", "webhook"), help="default TELEGRAM_MODE (polling)")
    parser.set_defaults(func=_run)
