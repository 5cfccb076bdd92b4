"""``python -m bot web``: serve the widget, the demo page, /api/forget and the staff console.

With STAFF_PORT set, the staff console is served on that port only (in the
same process), and the public port answers 404 under /staff/.
"""

from __future__ import annotations

import argparse

from aiohttp import web

from bot.web.app import create_app
from bot.web.settings import load


def _web(args: argparse.Namespace) -> int:
    settings = load()
    print(
        f"Signpost web widget demo: {settings.url}/\n"
        f"  Widget script:  {settings.url}/widget.js (talks to Rasa at {settings.widget_rasa_url})\n"
        f"  Allowed origins (also give these to Rasa's --cors): {', '.join(settings.allowed_origins)}\n"
        f"  Staff console:  {settings.staff_url}",
        flush=True,
    )
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "web", help="serve the web chat widget, its demo page and the staff console"
    )
    parser.set_defaults(func=_web)
