"""``python -m bot staff ...``: the console's operations from the command line, for scripting.

Accounts are only ever created here (there is no sign-up page). Commands that
change something record who did it in the audit log (``--by``, default
``cli:<login name>``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.exc import SQLAlchemyError

from bot.directory.db import make_engine
from bot.staff import auth, inbox, promotion, service, training, training_status
from bot.staff.hubs import hub_names
from bot.staff.rasa_api import RasaError
from bot.staff.settings import load
from bot.staff.store import Store
from bot.staff.store import purge as store_purge


def _read_password(prompt: str = "Password: ") -> str:
    """At a prompt on a terminal; otherwise the first line of standard input (for scripts)."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise SystemExit("the passwords do not match")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _by(args: argparse.Namespace) -> str:
    return args.by or f"cli:{getpass.getuser()}"


def _out(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def _change_account(
    args: argparse.Namespace, change: Callable[[Store], bool], action: str, done: str, **details: Any
) -> int:
    """``change`` the account ``args.name`` (False: there is none; ValueError: refused), audit it, say so."""
    store = Store(load().db_location)
    try:
        changed = change(store)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not changed:
        print(f"no user {args.name}", file=sys.stderr)
        return 1
    store.audit(_by(args), action, name=args.name, **{k: v for k, v in details.items() if v is not None})
    print(done)
    return 0


def _hub_problem(directory_url: str, hub_id: str) -> str:
    """Why ``hub_id`` cannot have an account ("" when the directory has that place)."""
    if not directory_url:
        return "No directory database is set (DIRECTORY_URL), so the place cannot be checked."
    engine = make_engine(directory_url)
    try:
        known = hub_names(engine, [hub_id])
    except SQLAlchemyError as exc:  # its message may hold connection details: the type is enough
        return f"Could not reach the directory database (DIRECTORY_URL): {type(exc).__name__}."
    finally:
        engine.dispose()
    if hub_id in known:
        return ""
    return (
        f"There is no place with the id {hub_id!r} in the directory. "
        "Use the id from the first column of the hubs file (for example forum-library)."
    )


def _add_user(args: argparse.Namespace) -> int:
    settings = load()
    if args.hub is not None:
        problem = _hub_problem(settings.directory_url, args.hub)
        if problem:  # before the password is asked for
            print(problem, file=sys.stderr)
            return 1

    def add(store: Store) -> bool:
        auth.add_user(store, args.name, _read_password(), args.hub)
        return True

    done = (
        f"Added staff user {args.name}."
        if args.hub is None
        else (f"Added {args.name}, an account for {args.hub}: it can only record referrals there.")
    )
    return _change_account(args, add, "user_added", done, hub_id=args.hub)


def _set_password(args: argparse.Namespace) -> int:
    return _change_account(
        args,
        lambda store: store.set_password(args.name, auth.hash_password(_read_password())),
        "password_changed",
        f"Changed the password of {args.name} and signed them out everywhere.",
    )


def _remove_user(args: argparse.Namespace) -> int:
    return _change_account(
        args,
        lambda store: store.remove_user(args.name),
        "user_removed",
        f"Removed {args.name} and signed them out.",
    )


def _users(args: argparse.Namespace) -> int:
    """One account a line; a hub's account is followed by a tab and its place's id."""
    accounts = Store(load().db_location).user_hubs()
    print("\n".join(name if hub is None else f"{name}\t{hub}" for name, hub in accounts.items()))
    return 0


def _inbox(args: argparse.Namespace) -> int:
    settings = load()
    store = Store(settings.db_location)
    messages = inbox.not_understood(settings.tracker_db, settings.inbox_threshold, store.decided_ids())
    _out(
        [
            [
                {
                    "event_id": m.event_id,
                    "text": m.masked,
                    "intent": m.intent,
                    "confidence": round(m.confidence, 3),
                    "language": m.language,
                }
                for m in g.messages
            ]
            for g in inbox.group(inbox.with_languages(messages[: args.limit]))
        ]
    )
    return 0


def _teach(args: argparse.Namespace) -> int:
    settings = load()
    store = Store(settings.db_location)
    example = args.example
    if args.event_id and example is None:
        message = inbox.message(settings.tracker_db, args.event_id)
        if message is None:
            print(f"no message {args.event_id}", file=sys.stderr)
            return 1
        example = message.masked
    form = {
        "action": args.action,
        "intent": args.intent or "",
        "example": example or "",
        "name": args.name or "",
        "description": args.description or "",
        "answer": args.answer or "",
        "more": "\n".join(args.more or []),
    }
    try:
        print(service.teach(settings, store, _by(args), args.event_id or 0, form))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _intents(args: argparse.Namespace) -> int:
    settings = load()
    _out(service.intents_overview(settings, Store(settings.db_location)))
    return 0


def _retrain(args: argparse.Namespace) -> int:
    settings = load()
    store = Store(settings.db_location)
    started = time.monotonic()
    try:
        job = training.start_training(settings, store, _by(args), background=False, finetune=args.finetune)
    except training.AlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return 1
    status = training_status.read_status(settings)
    model_id = status.get("model_id")
    model = store.model(model_id) if isinstance(model_id, int) else None
    if model is None:  # another training started after ours let go of the lock, and reset the status
        print(
            f"Training finished, but its model could not be found. See the log: {job.log_path}",
            file=sys.stderr,
        )
        return 1
    print(
        f"Model {model['id']} ({Path(model['path']).name}) trained and evaluated in "
        f"{time.monotonic() - started:.0f} s; held-out macro F1 {model['macro_f1']:.3f}. Log: {job.log_path}"
    )
    live = promotion.live_or_none(settings, store)
    for row in promotion.compare(model, live):
        print(f"  {row['intent']:<24} {row['live'] or 0:.3f} -> {row['new'] or 0:.3f} ({row['change']:+.3f})")
    return 0


def _models(args: argparse.Namespace) -> int:
    settings = load()
    data = service.models_overview(settings, Store(settings.db_location))
    _out(
        {
            "live": data["live"] and data["live"]["id"],
            "training": data["training"],
            "error": data["error"],
            "recent": [{k: v for k, v in m.items() if k != "scores"} for m in data["recent"]],
        }
    )
    return 0


def _make_live(args: argparse.Namespace, how: Callable[..., promotion.Promotion]) -> int:
    """Promote or roll back: 0 when the model is live, 2 when it waits for a second member of staff."""
    settings = load()
    try:
        result = how(settings, Store(settings.db_location), args.model_id, _by(args))
    except (ValueError, RasaError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(result.message)
    return 0 if result.promoted else 2


def _promote(args: argparse.Namespace) -> int:
    return _make_live(args, promotion.promote)


def _rollback(args: argparse.Namespace) -> int:
    return _make_live(args, promotion.rollback)


def _purge(args: argparse.Namespace) -> int:
    _out(store_purge())
    return 0


def _audit(args: argparse.Namespace) -> int:
    _out(Store(load().db_location).audit_log(args.limit))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("staff", help="staff console: accounts, inbox, teaching, retraining")
    commands = parser.add_subparsers(dest="staff_command", required=True)

    def command(name: str, func: Any, help_: str, by: bool = False) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_)
        sub.set_defaults(func=func)
        if by:
            sub.add_argument("--by", help="who, for the audit log (default cli:<login name>)")
        return sub

    add_user = command("add-user", _add_user, "add a staff account (password at a prompt or on stdin)", True)
    add_user.add_argument("name")
    add_user.add_argument(
        "--hub", metavar="HUB_ID", help="a hub's account: it can only record referrals at this place"
    )
    command(
        "set-password", _set_password, "change a staff password (ends their sessions)", True
    ).add_argument("name")
    command("remove-user", _remove_user, "remove a staff account and its sessions", True).add_argument("name")
    command("users", _users, "list staff accounts")
    command("inbox", _inbox, "not-understood messages, grouped (JSON)").add_argument(
        "--limit", type=int, default=500
    )
    teach = command("teach", _teach, "label an inbox message, or add an example", True)
    teach.add_argument("action", choices=["intent", "new_intent", "out_of_scope", "dismiss"])
    teach.add_argument("--event-id", type=int, help="the inbox message (its example unless --example)")
    teach.add_argument("--example")
    teach.add_argument("--intent", help="for action 'intent'")
    teach.add_argument("--name", help="for 'new_intent'")
    teach.add_argument("--description")
    teach.add_argument("--answer", help="for 'new_intent': the bot's answer")
    teach.add_argument("--more", action="append", help="for 'new_intent': another example (repeat)")
    command("intents", _intents, "intents with example counts and held-out F1 (JSON)")
    command("retrain", _retrain, "train, evaluate and compare with the live model", True).add_argument(
        "--finetune", action="store_true", help="rasa train --finetune (only when no intent was added)"
    )
    command("models", _models, "the last five models and the training status (JSON)")
    command("promote", _promote, "make a model live (a worse one needs a second person)", True).add_argument(
        "model_id", type=int
    )
    command("rollback", _rollback, "make a model that was live before live again", True).add_argument(
        "model_id", type=int
    )
    command(
        "purge", _purge, "retention: old sign-in failures, old sessions, taught examples in the audit log"
    )
    command("audit", _audit, "the audit log (JSON)").add_argument("--limit", type=int, default=100)


if __name__ == "__main__":  # ``python -m bot.staff.cli staff ...`` is ``python -m bot staff ...``
    from bot.__main__ import main

    sys.exit(main())
