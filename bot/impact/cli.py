"""``python -m bot impact report|purge``: the Impact page's figures on the command line, and retention."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from bot.directory.db import make_engine
from bot.impact import report
from bot.impact.store import ImpactStore
from bot.settings import load


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _report(args: argparse.Namespace) -> int:
    settings = load()
    if args.start and args.end and args.start > args.end:
        print("--from is after --to", file=sys.stderr)
        return 2
    engine = make_engine(settings.directory_url)
    try:
        built = report.build(engine, args.start, args.end, settings.impact_min_count)
    finally:
        engine.dispose()
    sys.stdout.write(report.to_csv(built) if args.format == "csv" else report.to_text(built))
    return 0


def _purge(args: argparse.Namespace) -> int:
    settings = load()
    days = args.days if args.days is not None else settings.impact_retention_days
    engine = make_engine(settings.directory_url)
    try:
        deleted = ImpactStore(engine).purge_older_than(days)
    finally:
        engine.dispose()
    print(f"Deleted {deleted} impact rows older than {days} days.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("impact", help="anonymous impact figures (what residents needed, where)")
    commands = parser.add_subparsers(dest="impact_command", required=True)
    show = commands.add_parser("report", help="print the Impact page's figures")
    show.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD, UTC)")
    show.add_argument("--to", dest="end", type=_date, help="last day (YYYY-MM-DD, UTC), included")
    show.add_argument(
        "--format",
        choices=("csv", "text"),
        default="text",
        help="csv: week,channel,need,outcode,count,unmet; text: the page's tables",
    )
    show.set_defaults(func=_report)
    purge = commands.add_parser("purge", help="delete impact rows older than the retention period")
    purge.add_argument("--days", type=int, help="default IMPACT_RETENTION_DAYS")
    purge.set_defaults(func=_purge)
