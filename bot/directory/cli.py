"""``python -m bot directory ...``: load, check and search the directory.

Errors are printed as plain messages (never tracebacks) and give exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

from sqlalchemy.exc import SQLAlchemyError

from bot.directory.check import check_directory
from bot.directory.csv_loader import DirectoryLoadError, load_csv_directory
from bot.directory.db import create_schema, make_engine
from bot.directory.oruk_loader import MAX_PAGES, load_oruk_directory
from bot.directory.search import DirectorySearch
from bot.directory.vocabulary import SERVICES


def register(subparsers: Any) -> None:
    """Add the ``directory`` command and its sub-commands."""
    parser = subparsers.add_parser("directory", help="load, check and search the hub and course directory")
    commands = parser.add_subparsers(dest="directory_command", required=True)

    load = commands.add_parser("load", help="replace the directory with hubs.csv (and courses.csv)")
    load.add_argument("hubs", help="hubs CSV file")
    load.add_argument(
        "courses", nargs="?", help="courses CSV file (optional; without it, courses are emptied)"
    )
    load.add_argument("--if-empty", action="store_true", help="only load when the directory has no hubs yet")
    load.set_defaults(func=_load)

    oruk = commands.add_parser("load-oruk", help="replace the directory with an Open Referral UK feed")
    oruk.add_argument("source", help="JSON file or https:// URL of a /services endpoint")
    oruk.add_argument(
        "--max-pages",
        type=_positive_int,
        default=MAX_PAGES,
        help=f"most pages to read from a URL (default {MAX_PAGES}); a longer feed changes nothing",
    )
    oruk.set_defaults(func=_load_oruk)

    check = commands.add_parser("check", help="report hubs nobody can reach, ended courses and duplicates")
    check.set_defaults(func=_check)

    search = commands.add_parser("search", help="the nearest hubs for a postcode (for staff)")
    search.add_argument("--postcode", required=True)
    search.add_argument(
        "--service",
        action="append",
        choices=sorted(SERVICES),
        required=True,
        help="repeat for several (any matches)",
    )
    search.add_argument("--limit", type=int, default=3)
    search.add_argument("--max-miles", type=float, default=None)
    search.set_defaults(func=_search)


def _positive_int(text: str) -> int:
    """argparse type: a whole number of 1 or more, with a plain message otherwise."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def _context() -> tuple[Any, Any]:
    from bot import settings as settings_module
    from bot.geo.geocoder import Geocoder

    settings = settings_module.load()
    return settings, Geocoder.from_settings(settings)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _print_summary(summary: Any, what: str) -> None:
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"Loaded {summary.hubs} hubs and {summary.courses} courses from {what} ({summary.geocoded} geocoded)."
    )


def _replace_directory(load: Callable[[], Any], what: str) -> int:
    """Run one loader, printing every problem (nothing changed) or the summary."""
    try:
        summary = load()
    except DirectoryLoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return _fail(f"{len(exc.problems)} problem(s) found; the directory was not changed")
    except (SQLAlchemyError, OSError) as exc:
        return _fail(f"could not write the directory database: {exc.__class__.__name__}: {exc}")
    if summary is not None:
        _print_summary(summary, what)
    return 0


def _load(args: argparse.Namespace) -> int:
    def load() -> Any:
        settings, geocoder = _context()
        engine = make_engine(settings.directory_url)
        if args.if_empty:
            create_schema(engine)
            if DirectorySearch(engine).all_hubs():
                print("The directory already has hubs; not loading (drop --if-empty to replace them).")
                return None
        return load_csv_directory(engine, args.hubs, args.courses, geocoder)

    return _replace_directory(load, args.hubs)


def _load_oruk(args: argparse.Namespace) -> int:
    def load() -> Any:
        settings, geocoder = _context()
        return load_oruk_directory(
            make_engine(settings.directory_url), args.source, geocoder, max_pages=args.max_pages
        )

    return _replace_directory(load, args.source)


def _check(args: argparse.Namespace) -> int:
    try:
        settings, _ = _context()
        engine = make_engine(settings.directory_url)
        create_schema(engine)
        problems = check_directory(engine)
    except (SQLAlchemyError, OSError) as exc:
        return _fail(f"could not read the directory database: {exc.__class__.__name__}: {exc}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s).", file=sys.stderr)
        return 1
    print("No problems found.")
    return 0


def _search(args: argparse.Namespace) -> int:
    try:
        settings, geocoder = _context()
        point = geocoder.geocode(args.postcode)
        if point is None:
            return _fail(f"{args.postcode!r} is not a known UK postcode")
        engine = make_engine(settings.directory_url)
        create_schema(engine)
        search = DirectorySearch(engine, settings.timezone)
        max_miles = args.max_miles if args.max_miles is not None else settings.max_distance_miles
        hubs = search.nearest_hubs(
            point.latitude, point.longitude, args.service, limit=args.limit, max_miles=max_miles
        )
    except (SQLAlchemyError, OSError) as exc:
        return _fail(f"could not read the directory database: {exc.__class__.__name__}: {exc}")
    approx = " (approximate)" if point.approximate else ""
    print(f"From {point.label}{approx} [{point.source}]:")
    if not hubs:
        print(f"  nothing within {max_miles:g} miles")
    for hub in hubs:
        state = {True: "open now", False: "closed now", None: "hours unknown"}[hub.hours.open_now]
        print(
            f"  {hub.distance_miles:.1f} mi  {hub.name}, {hub.address}, {hub.postcode}"
            f"  [{state}; today {hub.hours.today}]"
        )
        print(f"           services: {', '.join(hub.services)}")
    return 0
