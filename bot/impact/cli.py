"""``python -m bot impact report|referrals|purge``: the Impact page's figures from the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Callable

from sqlalchemy.engine import Engine

from bot.directory.db import make_engine
from bot.impact import report
from bot.impact.store import ImpactStore
from bot.referrals import report as referrals_report
from bot.settings import Settings, load

FORMATS = ("csv", "text")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _in_directory(args: argparse.Namespace, work: Callable[[Settings, Engine], str]) -> int:
    """Run ``work`` on the directory database (where the figures live) and print what it returns."""
    settings = load()
    start, end = getattr(args, "start", None), getattr(args, "end", None)
    if start and end and start > end:
        print("--from is after --to", file=sys.stderr)
        return 2
    engine = make_engine(settings.directory_url)
    try:
        sys.stdout.write(work(settings, engine))
    finally:
        engine.dispose()
    return 0


def _report(args: argparse.Namespace) -> int:
    def show(settings: Settings, engine: Engine) -> str:
        built = report.build(engine, args.start, args.end, settings.impact_min_count)
        return report.to_csv(built) if args.format == "csv" else report.to_text(built)

    return _in_directory(args, show)


def _referrals(args: argparse.Namespace) -> int:
    def show(settings: Settings, engine: Engine) -> str:
        rows = referrals_report.funnel(engine, args.start, args.end, settings.impact_min_count)
        if args.format == "csv":
            return referrals_report.to_csv(rows, settings.impact_min_count)
        return referrals_report.to_text(rows, settings.impact_min_count)

    return _in_directory(args, show)


def _purge(args: argparse.Namespace) -> int:
    def purge(settings: Settings, engine: Engine) -> str:
        days = args.days if args.days is not None else settings.impact_retention_days
        deleted = ImpactStore(engine).purge_older_than(days)
        return f"Deleted {deleted} impact rows older than {days} days.\n"

    return _in_directory(args, purge)


def _period(parser: argparse.ArgumentParser, columns: str) -> None:
    """--from, --to and --format, the same for every figure."""
    parser.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD, UTC)")
    parser.add_argument("--to", dest="end", type=_date, help="last day (YYYY-MM-DD, UTC), included")
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help=f"csv: {columns}; text: the page's tables"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("impact", help="anonymous impact figures (what residents needed, where)")
    commands = parser.add_subparsers(dest="impact_command", required=True)
    show = commands.add_parser("report", help="print the Impact page's figures")
    _period(show, ",".join(report.CSV_COLUMNS))
    show.set_defaults(func=_report)
    funnel = commands.add_parser(
        "referrals", help="print the referral funnel: codes given, arrivals marked, residents helped"
    )
    _period(funnel, ",".join(referrals_report.CSV_COLUMNS))
    funnel.set_defaults(func=_referrals)
    purge = commands.add_parser("purge", help="delete impact rows older than the retention period")
    purge.add_argument("--days", type=int, help="default IMPACT_RETENTION_DAYS")
    purge.set_defaults(func=_purge)
