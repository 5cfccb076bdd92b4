"""The staff console, mounted under /staff/ in the web app (or alone on STAFF_PORT).

Each area's routes live in its own module under :mod:`bot.staff.views`, its
HTML in bot/staff/templates/; what they share (templates, the sign-in guard,
the security headers) is :mod:`bot.staff.views.base`. This file only mounts
them.
"""

from __future__ import annotations

import asyncio
from typing import List

from aiohttp import web
from sqlalchemy.engine import Engine

from bot.directory.db import make_engine
from bot.referrals.store import ReferralStore
from bot.staff import children
from bot.staff.settings import StaffSettings
from bot.staff.store import Store
from bot.staff.views import account, api, audit_log, impact, inbox, intents, referrals, retraining
from bot.staff.views.base import (
    EDIT_LOCK,
    IMPACT_DB,
    PREFIX,
    REFERRALS,
    SETTINGS,
    STATIC,
    STATIC_PATH,
    STORE,
    security_headers,
)

__all__ = ["PREFIX", "ROUTES", "add_routes"]

# Every route of the console; all but the sign-in form are behind views.base.login_required
# (a hub's account gets past it only on the referrals page and Sign out: views.base.open_to_hubs).
ROUTES: List[web.RouteDef] = [
    route
    for module in (account, inbox, intents, retraining, impact, referrals, audit_log, api)
    for route in module.routes
    if isinstance(route, web.RouteDef)
]


async def redirect_root(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently(f"{PREFIX}/")


def add_routes(app: web.Application, settings: StaffSettings) -> None:
    """Mount the console under /staff/: its routes, its stylesheet and its security headers."""
    store = Store(settings.db_location)
    app[SETTINGS], app[STORE], app[EDIT_LOCK] = settings, store, asyncio.Lock()
    engines: List[Engine] = [make_engine(settings.directory_url)] if settings.directory_url else []
    app[IMPACT_DB] = engines
    app[REFERRALS] = [ReferralStore(engine) for engine in engines]
    app.add_routes(ROUTES)
    app.router.add_get(PREFIX, redirect_root)
    app.router.add_static(STATIC_PATH, STATIC)
    app.on_response_prepare.append(security_headers)  # type: ignore[arg-type]  # aiohttp 3.9 vs aiosignal 1.4

    async def dispose(app: web.Application) -> None:
        children.stop_all()
        store.dispose()
        for engine in engines:
            engine.dispose()

    app.on_cleanup.append(dispose)  # type: ignore[arg-type]  # aiohttp 3.9 vs aiosignal 1.4
