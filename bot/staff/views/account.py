"""Signing in and out.

The sign-in form has no session yet, so its CSRF protection is a
double-submit cookie: a random token in the form and in a cookie scoped to
/staff that only this origin can set. Failed sign-ins are throttled by
:mod:`bot.staff.auth`.
"""

from __future__ import annotations

import hmac
import math
import secrets

from aiohttp import web

from bot.staff import auth
from bot.staff.views.base import (
    COOKIE,
    LOGIN_COOKIE,
    PREFIX,
    SETTINGS,
    STORE,
    audit,
    blocking,
    open_to_hubs,
    render,
    set_cookie,
)

routes = web.RouteTableDef()


def _form(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", "Sign in", status=status, error=error, login_token=token)
    set_cookie(request, response, LOGIN_COOKIE, token)
    return response


@routes.get(PREFIX + "/login")
async def login_form(request: web.Request) -> web.Response:
    return _form(request)


@routes.post(PREFIX + "/login")
async def login(request: web.Request) -> web.StreamResponse:
    store, settings = request.app[STORE], request.app[SETTINGS]
    form = await request.post()
    sent, expected = str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(sent, expected):
        return web.json_response({"error": "missing or wrong CSRF token"}, status=403)
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    address = auth.client_address(
        request.remote, request.headers.getall("X-Forwarded-For", []), settings.trusted_proxies
    )  # X-Forwarded-For only from STAFF_TRUSTED_PROXIES
    result = await blocking(auth.login, store, settings, name, password, address)
    if result.locked_for:
        await audit(request, "login_throttled", user=name[:64] or "?", address=address)
        minutes = math.ceil(result.locked_for / 60)
        return _form(
            request,
            f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            status=429,
        )
    if result.user is None:
        return _form(request, "Wrong user name or password.", status=401)
    old = request.cookies.get(COOKIE)
    if old:
        await blocking(store.delete_session, old)
    session_id = await blocking(store.create_session, result.user)
    await audit(request, "signed_in", user=result.user, address=address)
    response = web.HTTPSeeOther(f"{PREFIX}/")
    set_cookie(request, response, COOKIE, session_id)
    response.del_cookie(LOGIN_COOKIE, path=PREFIX)
    raise response


@routes.post(PREFIX + "/logout")
@open_to_hubs
async def logout(request: web.Request) -> web.StreamResponse:
    await blocking(request.app[STORE].delete_session, request["session_id"])
    await audit(request, "signed_out")
    response = web.HTTPSeeOther(f"{PREFIX}/login")
    response.del_cookie(COOKIE, path=PREFIX)
    raise response
