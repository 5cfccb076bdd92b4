"""The Intents page: every intent, its examples and the live model's held-out F1, weakest first."""

from __future__ import annotations

from aiohttp import web

from bot.staff import service
from bot.staff.views.base import PREFIX, SETTINGS, STORE, blocking, login_required, render

routes = web.RouteTableDef()


@routes.get(PREFIX + "/intents")
@login_required
async def intents_page(request: web.Request) -> web.Response:
    data = await blocking(service.intents_overview, request.app[SETTINGS], request.app[STORE])
    return render(request, "intents.html", "Intents", **data)
