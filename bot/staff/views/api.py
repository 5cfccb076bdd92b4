"""The console's JSON API (same session and CSRF rules as the pages); POST /api/retrain is in retraining."""

from __future__ import annotations

from aiohttp import web

from bot.staff import service
from bot.staff.views.base import PREFIX, SETTINGS, STORE, blocking, login_required

routes = web.RouteTableDef()


@routes.get(PREFIX + "/api/inbox")
@login_required
async def api_inbox(request: web.Request) -> web.Response:
    groups = await blocking(service.inbox_groups, request.app[SETTINGS], request.app[STORE])
    return web.json_response(
        [
            [
                {
                    "event_id": m.event_id,
                    "text": m.masked,
                    "intent": m.intent,
                    "confidence": m.confidence,
                    "timestamp": m.timestamp,
                    "language": m.language,
                }
                for m in g.messages
            ]
            for g in groups
        ]
    )


@routes.get(PREFIX + "/api/intents")
@login_required
async def api_intents(request: web.Request) -> web.Response:
    return web.json_response(
        await blocking(service.intents_overview, request.app[SETTINGS], request.app[STORE])
    )


@routes.get(PREFIX + "/api/models")
@login_required
async def api_models(request: web.Request) -> web.Response:
    data = await blocking(service.models_overview, request.app[SETTINGS], request.app[STORE])
    return web.json_response(
        {
            "live": data["live"] and data["live"]["id"],
            "training": data["training"],
            "error": data["error"],
            "recent": [{k: v for k, v in m.items() if k != "scores"} for m in data["recent"]],
        }
    )
