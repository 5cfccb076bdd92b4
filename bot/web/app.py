"""The web application: ``create_app(settings)`` wires small route modules.

Each area (widget pages, the forget API, later the staff console) adds its
routes in its own module, so this file stays a list.
"""

from __future__ import annotations

from aiohttp import web

from bot.conversations import tracker_engine
from bot.staff import web as staff_console
from bot.staff.settings import StaffSettings
from bot.staff.settings import load as load_staff_settings
from bot.web import forget, pages
from bot.web.cors import cors_middleware
from bot.web.settings import WebSettings


def create_app(settings: WebSettings, staff: StaffSettings | None = None) -> web.Application:
    """Build the application; the tracker and staff databases are opened on first use."""
    app = web.Application(middlewares=[cors_middleware(settings.allowed_origins)], client_max_size=16 * 1024)
    engine = tracker_engine(settings.tracker_db)
    pages.add_routes(app, settings)
    forget.add_routes(app, engine)
    staff_console.add_routes(app, staff or load_staff_settings())

    async def dispose(app: web.Application) -> None:
        engine.dispose()

    app.on_cleanup.append(dispose)
    return app
