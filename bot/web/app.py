"""The web application: ``create_app(settings)`` mounts each area's routes.

Each area adds its routes from its own module: the widget and demo pages
(:mod:`bot.web.pages`), the forget API (:mod:`bot.web.forget`), "Text me
this" (:mod:`bot.web.referral_text`, when GOV.UK Notify is set up), the live
model for Rasa replicas (:mod:`bot.web.model_server`) and the staff console
(:mod:`bot.staff.web`). With ``STAFF_PORT`` set the staff console is a second
application on its own port, started and stopped with the public one, and
the public port answers 404 under /staff/: the council's pages and the
widget never share the console's origin.
"""

from __future__ import annotations

from aiohttp import web

from bot.conversations import tracker_engine
from bot.staff import web as staff_console
from bot.staff.settings import StaffSettings
from bot.staff.settings import load as load_staff_settings
from bot.staff.store import Store
from bot.web import forget, model_server, pages, referral_text
from bot.web.cors import cors_middleware
from bot.web.settings import WebSettings

STAFF_RUNNER = web.AppKey("staff_runner", web.AppRunner)


def create_staff_app(staff: StaffSettings) -> web.Application:
    """The staff console alone (and /health, for process supervisors)."""
    app = web.Application(client_max_size=16 * 1024)
    app.router.add_get("/health", pages.health)
    staff_console.add_routes(app, staff)
    return app


def create_app(settings: WebSettings, staff: StaffSettings | None = None) -> web.Application:
    """Build the application; the tracker and staff databases are opened on first use."""
    cors = cors_middleware(settings.allowed_origins, ("/api/", "/referrals/"))
    app = web.Application(middlewares=[cors], client_max_size=16 * 1024)
    engine = tracker_engine(settings.tracker_db)
    staff = staff or load_staff_settings()
    pages.add_routes(app, settings)
    forget.add_routes(app, engine, settings)
    referral_text.add_routes(app, settings, staff.trusted_proxies)  # the same proxies as the console's
    model_server.add_routes(
        app, staff, lambda: Store(staff.db_location)
    )  # for Rasa replicas (MODEL_DELIVERY=pull)
    if settings.staff_port is None:
        staff_console.add_routes(app, staff)
    else:
        _serve_staff_beside(app, create_staff_app(staff), settings.staff_host, settings.staff_port)

    async def dispose(app: web.Application) -> None:
        engine.dispose()

    app.on_cleanup.append(dispose)  # type: ignore[arg-type]  # aiohttp 3.9 vs aiosignal 1.4
    return app


def _serve_staff_beside(app: web.Application, staff_app: web.Application, host: str, port: int) -> None:
    """Start the console's own site when the public app starts (a busy port fails start-up)."""

    async def start(app: web.Application) -> None:
        runner = web.AppRunner(staff_app)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError:
            await runner.cleanup()
            raise
        app[STAFF_RUNNER] = runner

    async def stop(app: web.Application) -> None:
        if STAFF_RUNNER in app:
            await app[STAFF_RUNNER].cleanup()

    app.on_startup.append(start)  # type: ignore[arg-type]  # aiohttp 3.9 vs aiosignal 1.4
    app.on_cleanup.append(stop)  # type: ignore[arg-type]  # aiohttp 3.9 vs aiosignal 1.4
