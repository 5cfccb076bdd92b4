"""The Audit log page: who did what and when."""

from __future__ import annotations

from aiohttp import web

from bot.staff.views.base import PREFIX, STORE, blocking, login_required, render

routes = web.RouteTableDef()


@routes.get(PREFIX + "/audit")
@login_required
async def audit_page(request: web.Request) -> web.Response:
    rows = await blocking(request.app[STORE].audit_log)
    return render(request, "audit.html", "Audit log", rows=rows)
