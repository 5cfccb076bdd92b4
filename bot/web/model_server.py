"""The live model, for Rasa replicas to pull: ``GET /internal/model?token=...``.

Rasa's model server protocol (``models: url:`` in deploy/endpoints.yml): a
replica sends the ETag of the model it has as ``If-None-Match``; the answer is
304 when that is still the live model, else the model file with its new ETag
and its name in a ``filename`` header. The live model is the one the staff
registry says was promoted last, so promote and roll back reach every replica
at its next pull, without a restart or a shared folder. nginx never passes
``/internal/`` on; the Rasa API token is required as well.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Callable, Dict

from aiohttp import web

from bot.staff.live_model import last_promoted
from bot.staff.settings import StaffSettings
from bot.staff.store import Store

PATH = "/internal/model"


def add_routes(app: web.Application, staff: StaffSettings, store_factory: Callable[[], Store]) -> None:
    stores: Dict[str, Store] = {}

    async def live_model(request: web.Request) -> web.StreamResponse:
        expected = staff.token()
        given = request.query.get("token", "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise web.HTTPUnauthorized(text="a valid token is needed")
        store = stores.setdefault("store", store_factory())
        path = (await asyncio.to_thread(last_promoted, store)).path
        if path is None:
            raise web.HTTPNotFound(text="no model has been made live yet")
        # FileResponse gives the file an ETag (its size and modification time) and answers
        # a matching If-None-Match with 304 Not Modified by itself.
        return web.FileResponse(path, headers={"filename": path.name, "Content-Type": "application/gzip"})

    app.router.add_get(PATH, live_model)
