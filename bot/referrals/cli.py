"""``python -m bot referrals mark CODE --hub HUB_ID --outcome OUTCOME``: record an arrival from a script.

The same as the staff console's Referrals page (:mod:`bot.referrals.marking`):
the mark goes into the directory database and into the staff audit log (code,
hub, outcome and the outcome it replaced), the one log the console writes. A code that cannot be
marked gets the store's plain-language reason and exit code 1.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Optional

from sqlalchemy.exc import SQLAlchemyError

from bot.directory.db import make_engine
from bot.referrals import codes, marking, outcomes
from bot.referrals.store import ReferralError, ReferralStore
from bot.settings import load
from bot.staff.settings import load as load_staff_settings
from bot.staff.store import Store
from bot.wording import _


def _said(code: str, outcome: str, previous: Optional[str]) -> str:
    """What the command prints after marking."""
    if previous is None:
        return _("referral.marked", code=code, outcome=outcomes.label(outcome))
    return _(
        "referral.remarked", code=code, outcome=outcomes.label(outcome), previous=outcomes.label(previous)
    )


def _mark(args: argparse.Namespace) -> int:
    by = args.by or f"cli:{getpass.getuser()}"
    engine = make_engine(load().directory_url)
    staff = Store(load_staff_settings().db_location)
    try:
        previous = marking.mark(ReferralStore(engine), staff, args.code, args.hub, args.outcome, by)
    except ReferralError as refused:
        print(refused, file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:  # its message may hold connection details: the type is enough
        print(f"could not reach a database (DIRECTORY_URL, STAFF_DB): {type(exc).__name__}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
        staff.dispose()
    print(_said(codes.normalise(args.code) or args.code, args.outcome, previous))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("referrals", help="referral codes: record that a resident arrived")
    commands = parser.add_subparsers(dest="referrals_command", required=True)
    mark = commands.add_parser("mark", help="record that the resident with CODE arrived at a hub")
    mark.add_argument("code", metavar="CODE", help='the code the resident showed, e.g. "K7P-3QX"')
    mark.add_argument("--hub", required=True, metavar="HUB_ID", help="the hub's id in the directory")
    mark.add_argument("--outcome", required=True, help="one of: " + ", ".join(outcomes.OUTCOMES))
    mark.add_argument("--by", help="who marked it, for the audit log (default cli:<login name>)")
    mark.set_defaults(func=_mark)
