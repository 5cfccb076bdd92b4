"""``POST /api/forget {"sender": id}``: delete one conversation ("End chat").

The sender id is a random 128-bit value only the resident's browser knows,
so knowing it is the permission to delete it. The delete goes through Rasa,
under its conversation lock, so a message still being answered cannot write
the conversation back afterwards (bot/conversations.py). It runs in a
thread: requests and SQLAlchemy are synchronous and must not block other
requests.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re

from aiohttp import web
from sqlalchemy.engine import Engine

from bot.conversations import ForgetFailed, forget_through_rasa
from bot.web.settings import WebSettings

logger = logging.getLogger(__name__)

ENGINE = web.AppKey("tracker_engine", Engine)
FORGET = web.AppKey("forget_settings", WebSettings)
SENDER = re.compile(r"^[A-Za-z0-9_-]{8,128}$")


async def forget_conversation(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        return web.json_response({"error": "send JSON"}, status=415)
    try:
        body = await request.json()
    except ValueError:
        return web.json_response({"error": "invalid JSON"}, status=400)
    sender = body.get("sender") if isinstance(body, dict) else None
    if not isinstance(sender, str) or not SENDER.match(sender):
        return web.json_response({"error": "sender must be 8-128 letters, digits, - or _"}, status=400)
    settings = request.app[FORGET]
    forget = functools.partial(
        forget_through_rasa, settings.rasa_url, settings.rasa_token, sender, request.app[ENGINE]
    )
    try:
        deleted = await asyncio.get_running_loop().run_in_executor(None, forget)
    except ForgetFailed as exc:
        logger.warning("forget failed: %s", exc)
        return web.json_response(
            {"error": "could not delete the conversation now; try again later"}, status=503
        )
    return web.json_response({"deleted": deleted})


async def preflight(request: web.Request) -> web.Response:
    """Answered by the CORS middleware; this route only makes OPTIONS match."""
    return web.Response(status=204)


def add_routes(app: web.Application, engine: Engine, settings: WebSettings) -> None:
    app[ENGINE], app[FORGET] = engine, settings
    app.router.add_post("/api/forget", forget_conversation)
    app.router.add_route("OPTIONS", "/api/forget", preflight)
