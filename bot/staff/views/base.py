"""What every console page shares: the app's state, templates, the sign-in guard and the security headers.

Plain server-rendered HTML from autoescaping Jinja2 templates
(bot/staff/templates/), one stylesheet, no script. :func:`login_required`
guards every route but the sign-in form, as Flask's tutorial's decorator
does: a server-side session (cookie HttpOnly, SameSite=Strict, Secure over
HTTPS) and the session's CSRF token on every POST. The sign-in form itself
is protected by a double-submit cookie (:mod:`bot.staff.views.account`).

A hub's account (``staff add-user NAME --hub HUB_ID``) passes only the guard
of the routes marked :func:`open_to_hubs` (its referrals page, signing out):
every other page sends it to its referrals page, and every other API call or
form answers 403. New routes are closed to hub accounts unless marked.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional
from urllib.parse import urlencode

import jinja2
from aiohttp import web
from sqlalchemy.engine import Engine

from bot.impact.report import LANGUAGE_LABELS
from bot.referrals.store import ReferralStore
from bot.staff.settings import StaffSettings
from bot.staff.store import Store

PREFIX = "/staff"
HUB_HOME = f"{PREFIX}/referrals"  # where a hub's account is sent from any other page
COOKIE = "signpost_staff"
LOGIN_COOKIE = "signpost_staff_login"
HERE = Path(__file__).resolve().parent.parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_PATH = f"{PREFIX}/static"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

SETTINGS = web.AppKey("staff_settings", StaffSettings)
STORE = web.AppKey("staff_store", Store)
EDIT_LOCK = web.AppKey("staff_edit_lock", asyncio.Lock)
IMPACT_DB = web.AppKey("staff_impact_db", list)  # [Engine] once DIRECTORY_URL is known, else []
REFERRALS = web.AppKey("staff_referrals", list)  # [ReferralStore] on that engine, else []

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# ---------------------------------------------------------------- off the event loop
async def blocking(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Disk, database, argon2 and Rasa calls: off the event loop, so one slow call stalls no one else."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args, **kwargs))


async def audit(request: web.Request, action: str, user: Optional[str] = None, **details: Any) -> None:
    """One audit log entry, written off the event loop; ``user`` defaults to whoever is signed in."""
    who = user if user is not None else request["staff"]["user"]
    await blocking(request.app[STORE].audit, who, action, **details)


# ---------------------------------------------------------------- templates
def _when(ts: Optional[float]) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""


def _f3(value: Optional[float]) -> str:
    """An F1 score to three places ("" when there is none)."""
    return "" if value is None else f"{value:.3f}"


def _language(code: Optional[str]) -> str:
    """A language's English name ("Polish" for "pl", CLDR's, from Babel); "—" when a message has none."""
    return LANGUAGE_LABELS.get(code, code) if code else "—"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(),
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the page's test, not silently blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=_when,
        f3=_f3,
        language=_language,
        filename=lambda path: Path(path).name,
        as_json=lambda value: json.dumps(value, ensure_ascii=False),
    )
    env.globals["prefix"] = PREFIX
    return env


TEMPLATE_ENV = _environment()


def render(
    request: web.Request, template: str, title: str, *, status: int = 200, **context: Any
) -> web.Response:
    """A page: ``template`` (which extends base.html).

    It gets the signed-in user, their CSRF token and any flash.
    """
    session = request.get("staff")
    text = TEMPLATE_ENV.get_template(template).render(
        title=title,
        user=session["user"] if session else None,
        hub_account=bool(session and session.get("hub_id")),
        csrf=session["csrf"] if session else "",
        flash_message=request.query.get("msg", ""),
        flash_kind=request.query.get("kind", "ok"),
        refresh=context.pop("refresh", 0),
        **context,
    )
    return web.Response(text=text, content_type="text/html", charset="utf-8", status=status)


def back(path: str, message: str, kind: str = "ok") -> web.HTTPSeeOther:
    """Redirect after a POST, with a message the next page shows (its flash)."""
    return web.HTTPSeeOther(f"{PREFIX}{path}?{urlencode({'msg': message, 'kind': kind})}")


def wants_json(request: web.Request) -> bool:
    return "/api/" in request.path


# ---------------------------------------------------------------- security
def login_required(handler: Handler, hubs: bool = False) -> Handler:
    """The route needs a live staff session, and a POST its CSRF token (Flask's ``login_required`` + CSRF).

    Without a session a page redirects to the sign-in form and the JSON API
    answers 401; a POST without the right token gets 403. A hub's account is
    refused unless ``hubs`` (see :func:`open_to_hubs`)."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        refused = await _refusal(request, hubs)
        if refused is not None:
            return refused
        return await handler(request)

    return wrapper


def open_to_hubs(handler: Handler) -> Handler:
    """:func:`login_required` that lets a hub's account in too (``request["staff"]["hub_id"]`` says which)."""
    return login_required(handler, hubs=True)


def _hub_refusal(request: web.Request) -> web.StreamResponse:
    """A hub's account outside its pages: pages send it to its referrals page, the rest answer 403."""
    if request.method == "GET" and not wants_json(request):
        raise web.HTTPSeeOther(HUB_HOME)
    return web.json_response({"error": "this account can only record referrals"}, status=403)


async def _refusal(request: web.Request, hubs: bool = False) -> Optional[web.StreamResponse]:
    store, settings = request.app[STORE], request.app[SETTINGS]
    cookie = request.cookies.get(COOKIE)
    session = (
        await blocking(
            store.session, cookie, settings.session_idle_hours * 3600, settings.session_hours * 3600
        )
        if cookie
        else None
    )
    if session is None:
        if request.method == "GET" and not wants_json(request):
            raise web.HTTPSeeOther(f"{PREFIX}/login")
        return web.json_response({"error": "sign in first"}, status=401)
    request["staff"] = session
    request["session_id"] = cookie
    if session.get("hub_id") and not hubs:
        return _hub_refusal(request)
    if request.method not in ("GET", "HEAD"):
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            field = (await request.post()).get("csrf")
            sent = field if isinstance(field, str) else None  # a file upload named csrf is no token
        if not isinstance(sent, str) or not hmac.compare_digest(sent, session["csrf"]):
            return web.json_response({"error": "missing or wrong CSRF token"}, status=403)
    return None


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: every answer under /staff/ gets the console's headers.

    Redirects and errors too.
    """
    if request.path != PREFIX and not request.path.startswith(PREFIX + "/"):
        return
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith(STATIC_PATH + "/"):
        response.headers["Cache-Control"] = "no-store"


def is_https(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip() == "https"


def set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: Optional[int] = None
) -> None:
    response.set_cookie(
        name, value, path=PREFIX, httponly=True, samesite="Strict", secure=is_https(request), max_age=max_age
    )


def impact_engine(request: web.Request) -> Optional[Engine]:
    engines = request.app[IMPACT_DB]
    return engines[0] if engines else None


def referral_store(request: web.Request) -> ReferralStore:
    """The referral tables in the directory database; 503 when DIRECTORY_URL is not set."""
    stores = request.app[REFERRALS]
    if not stores:
        raise web.HTTPServiceUnavailable(text="No directory database is set (DIRECTORY_URL).")
    return stores[0]
