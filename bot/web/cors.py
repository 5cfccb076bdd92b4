"""CORS for ``/api/`` and ``/referrals/`` routes: only the configured origins may call them.

Browsers on a council's page call ``/api/forget`` and ``/referrals/text``
from another origin. A
request from an origin not on the list is refused outright (403), so a
hostile page cannot make a resident's browser delete anything even with a
"simple" request that skips the preflight.
"""

from __future__ import annotations

from typing import Awaitable, Callable, Iterable, Tuple

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def cors_middleware(allowed_origins: Iterable[str], prefixes: Tuple[str, ...] = ("/api/",)) -> Callable:
    allowed = frozenset(allowed_origins)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(prefixes):
            return await handler(request)
        origin = request.headers.get("Origin")
        if origin is not None and origin not in allowed:
            return web.json_response({"error": "origin not allowed"}, status=403)
        if request.method == "OPTIONS" and origin is not None:
            response: web.StreamResponse = web.Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
        else:
            response = await handler(request)
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response

    return middleware
