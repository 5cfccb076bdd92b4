"""The staff console's pages and JSON API, mounted under /staff/ in the web app.

Plain server-rendered HTML, no script. One middleware guards everything but
the sign-in form: a server-side session (cookie HttpOnly, SameSite=Strict,
Secure over HTTPS) and a per-session CSRF token on every POST. The sign-in
form itself is protected by a double-submit cookie.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import html
import json
import math
import secrets
import time
from datetime import date
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from aiohttp import web
from sqlalchemy.engine import Engine

from bot.directory.db import make_engine
from bot.impact import report as impact_report
from bot.staff import auth, impact_view, inbox, models, service, training_data
from bot.staff.settings import StaffSettings
from bot.staff.store import Store

COOKIE = "signpost_staff"
LOGIN_COOKIE = "signpost_staff_login"
PREFIX = "/staff"
CSS = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:0 1rem 3rem;line-height:1.45;color:#1b1b1b}
header{display:flex;gap:1rem;align-items:center;border-bottom:2px solid #005a9c;padding:.5rem 0;flex-wrap:wrap}
header a{color:#005a9c;font-weight:600}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef3f8}.num{text-align:right}.up{color:#065f1d}.down{color:#9b1c1c}
form.inline{display:inline}label{display:block;margin:.4rem 0 .1rem;font-weight:600}
input[type=text],input[type=password],textarea,select{font:inherit;padding:.3rem;width:100%;max-width:40rem;box-sizing:border-box}
button{font:inherit;padding:.35rem .9rem;margin:.4rem 0;cursor:pointer}fieldset button{display:block}
fieldset{margin:1rem 0;border:1px solid #bbb}.note{background:#fff6d6;padding:.5rem;border-left:4px solid #c79a00}
.error{background:#fde8e8;padding:.5rem;border-left:4px solid #9b1c1c}.ok{background:#e6f4ea;padding:.5rem;border-left:4px solid #065f1d}
.current{background:#fff6d6}img{max-width:100%}
.pair{display:flex;flex-wrap:wrap;gap:1rem 2rem;align-items:flex-start}.pair svg{max-width:100%;height:auto}
input[type=date]{font:inherit;padding:.3rem}caption{text-align:left;font-weight:600;padding:.2rem 0}
""".strip()
CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'sha256-{CSS_HASH}'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SETTINGS = web.AppKey("staff_settings", StaffSettings)
STORE = web.AppKey("staff_store", Store)
EDIT_LOCK = web.AppKey("staff_edit_lock", asyncio.Lock)
IMPACT_DB = web.AppKey("staff_impact_db", list)  # [Engine] once DIRECTORY_URL is known, else []

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def when(ts: Optional[float]) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""


def f1(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.3f}"


def is_https(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip() == "https"


async def blocking(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Disk, SQLite, argon2 and Rasa calls: off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args, **kwargs))


# ---------------------------------------------------------------- pages
def page(request: web.Request, title: str, body: str, *, status: int = 200, refresh: int = 0) -> web.Response:
    session = request.get("staff")
    nav = ""
    if session:
        nav = (
            f'<nav aria-label="Console"><a href="{PREFIX}/">Inbox</a> <a href="{PREFIX}/intents">Intents</a> '
            f'<a href="{PREFIX}/models">Models and retraining</a> <a href="{PREFIX}/impact">Impact</a> '
            f'<a href="{PREFIX}/audit">Audit log</a></nav>'
            f'<span>Signed in as <strong>{e(session["user"])}</strong></span>'
            f'<form class="inline" method="post" action="{PREFIX}/logout">{csrf_field(request)}'
            '<button type="submit">Sign out</button></form>'
        )
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    text = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)} – Signpost staff</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{meta}<style>{CSS}</style></head>'
        f'<body><header><strong>Signpost staff console</strong>{nav}</header><main><h1>{e(title)}</h1>{body}</main>'
        "</body></html>"
    )
    return web.Response(text=text, content_type="text/html", charset="utf-8", status=status)


def csrf_field(request: web.Request) -> str:
    return f'<input type="hidden" name="csrf" value="{e(request["staff"]["csrf"])}">'


def flash(request: web.Request) -> str:
    message, kind = request.query.get("msg"), request.query.get("kind", "ok")
    css = "error" if kind == "error" else "ok"
    return f'<p class="{css}" role="status" id="flash">{e(message)}</p>' if message else ""


def back(path: str, message: str, kind: str = "ok") -> web.HTTPSeeOther:
    from urllib.parse import urlencode

    return web.HTTPSeeOther(f"{PREFIX}{path}?{urlencode({'msg': message, 'kind': kind})}")


# ---------------------------------------------------------------- security
def guarded(handler: Handler, public: bool = False) -> Handler:
    """Every route but sign-in needs a live session; every POST needs its CSRF token.

    A wrapper per route rather than a sub-application: aiohttp 3.9's sub-app
    prefix matching builds ``request.url``, which the pinned yarl rejects."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        if not public:
            refused = await _check(request)
            if refused is not None:
                return refused
        response = await handler(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapper


async def _check(request: web.Request) -> Optional[web.StreamResponse]:
    store, settings = request.app[STORE], request.app[SETTINGS]
    cookie = request.cookies.get(COOKIE)
    session = await blocking(store.session, cookie, settings.session_idle_hours * 3600,
                             settings.session_hours * 3600) if cookie else None
    if session is None:
        if request.method == "GET" and "/api/" not in request.path:
            return web.HTTPSeeOther(f"{PREFIX}/login", headers={"Cache-Control": "no-store"})
        return web.json_response({"error": "sign in first"}, status=401)
    request["staff"] = session
    request["session_id"] = cookie
    if request.method not in ("GET", "HEAD"):
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = (await request.post()).get("csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, session["csrf"]):
            return web.json_response({"error": "missing or wrong CSRF token"}, status=403)
    return None


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str,
               max_age: Optional[int] = None) -> None:
    response.set_cookie(name, value, path=PREFIX, httponly=True, samesite="Strict", secure=is_https(request),
                        max_age=max_age)


def client_address(request: web.Request, settings: StaffSettings) -> str:
    """Who is signing in, as the throttle counts them (X-Forwarded-For only from STAFF_TRUSTED_PROXIES)."""
    return auth.client_address(request.remote, request.headers.getall("X-Forwarded-For", []),
                               settings.trusted_proxies)


async def login_form(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(32)
    body = (
        (f'<p class="error" role="alert">{e(error)}</p>' if error else "")
        + f'<form method="post" action="{PREFIX}/login"><input type="hidden" name="csrf" value="{token}">'
        '<label for="name">User name</label><input type="text" id="name" name="name" autocomplete="username" required>'
        '<label for="password">Password</label>'
        '<input type="password" id="password" name="password" autocomplete="current-password" required>'
        '<button type="submit">Sign in</button></form>'
    )
    response = page(request, "Sign in", body, status=status)
    set_cookie(request, response, LOGIN_COOKIE, token)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


async def login(request: web.Request) -> web.StreamResponse:
    store, settings = request.app[STORE], request.app[SETTINGS]
    form = await request.post()
    sent, expected = str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(sent, expected):
        return web.json_response({"error": "missing or wrong CSRF token"}, status=403)
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    address = client_address(request, settings)
    result = await blocking(auth.login, store, settings, name, password, address)
    if result.locked_for:
        await blocking(store.audit, name[:64] or "?", "login_throttled", address=address)
        minutes = math.ceil(result.locked_for / 60)
        return await login_form(request, f"Too many failed attempts. Try again in {minutes} "
                                f"minute{'s' if minutes != 1 else ''}.", status=429)
    if result.user is None:
        return await login_form(request, "Wrong user name or password.", status=401)
    old = request.cookies.get(COOKIE)
    if old:
        await blocking(store.delete_session, old)
    session_id = await blocking(store.create_session, result.user)
    await blocking(store.audit, result.user, "signed_in", address=address)
    response = web.HTTPSeeOther(f"{PREFIX}/")
    set_cookie(request, response, COOKIE, session_id)
    response.del_cookie(LOGIN_COOKIE, path=PREFIX)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    store = request.app[STORE]
    await blocking(store.delete_session, request["session_id"])
    store.audit(request["staff"]["user"], "signed_out")
    response = web.HTTPSeeOther(f"{PREFIX}/login")
    response.del_cookie(COOKIE, path=PREFIX)
    raise response


# ---------------------------------------------------------------- inbox


async def inbox_page(request: web.Request) -> web.Response:
    settings, store = request.app[SETTINGS], request.app[STORE]
    reveal = request.query.get("reveal") == "1"
    if reveal:
        store.audit(request["staff"]["user"], "revealed_personal_data", page="inbox")
    groups = await blocking(service.inbox_groups, settings, store)
    parts = [flash(request)]
    toggle = ("Hide personal data", f"{PREFIX}/") if reveal else ("Show personal data (recorded in the audit log)",
                                                                   f"{PREFIX}/?reveal=1")
    parts.append(f'<p><a href="{toggle[1]}">{toggle[0]}</a></p>')
    if not groups:
        parts.append("<p>Nothing to review: every message was understood or has been handled.</p>")
    for number, group in enumerate(groups, 1):
        parts.append(f"<section><h2>Group {number}: {len(group.messages)} similar message(s)</h2>"
                     "<table><thead><tr><th scope=\"col\">Message</th><th scope=\"col\">Predicted intent</th>"
                     "<th scope=\"col\">Confidence</th><th scope=\"col\">When</th></tr></thead><tbody>")
        for m in group.messages:
            words = m.text if reveal else m.masked
            fallback = " (not understood)" if m.fallback else ""
            parts.append(f'<tr><td><a href="{PREFIX}/inbox/{m.event_id}">{e(words)}</a></td>'
                         f"<td>{e(m.intent)}{fallback}</td><td class=\"num\">{m.confidence:.2f}</td>"
                         f"<td>{when(m.timestamp)}</td></tr>")
        parts.append("</tbody></table></section>")
    return page(request, "Inbox: messages the assistant did not understand", "".join(parts))


async def message_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    event_id = int(request.match_info["event_id"])
    message = await blocking(inbox.message, settings.tracker_db, event_id)
    if message is None:
        raise web.HTTPNotFound(text="no such message")
    reveal = request.query.get("reveal") == "1"
    if reveal:
        request.app[STORE].audit(request["staff"]["user"], "revealed_personal_data", event_id=event_id)
    turns = await blocking(inbox.conversation, settings.tracker_db, message.sender_id, event_id, reveal=reveal)
    intents = await blocking(training_data.domain_intents, settings.project_dir)
    example = training_data.clean_example(message.masked)
    csrf = csrf_field(request)
    action = f"{PREFIX}/inbox/{event_id}/teach"
    rows = "".join(
        f'<tr{" class=current" if t["current"] else ""}><td>{e(t["who"])}</td><td>{e(t["text"])}</td>'
        f"<td>{when(t['timestamp'])}</td></tr>" for t in turns
    )
    options = "".join(f'<option value="{e(i)}"{" selected" if i == message.intent else ""}>{e(i)}</option>'
                      for i in intents if i != training_data.OUT_OF_SCOPE)
    body = f"""{flash(request)}
<p><strong>Message:</strong> {e(message.text if reveal else message.masked)}</p>
<p>Predicted intent: <strong>{e(message.intent)}</strong>, confidence {message.confidence:.2f}
{"(below the threshold: the bot asked the resident to rephrase)" if message.fallback else ""}.
<a href="?reveal=1">Show personal data</a></p>
<h2>The conversation</h2>
<table><thead><tr><th scope="col">Who</th><th scope="col">Said</th><th scope="col">When</th></tr></thead>
<tbody>{rows}</tbody></table>
<h2>Teach the assistant</h2>
<form method="post" action="{action}">{csrf}<input type="hidden" name="action" value="intent">
<fieldset><legend>It means an intent the bot already knows</legend>
<label for="intent">Intent</label><select id="intent" name="intent">{options}</select>
<label for="example-1">Example to add (edit out anything personal)</label>
<input type="text" id="example-1" name="example" value="{e(example)}" required>
<button type="submit">Add to this intent</button></fieldset></form>
<form method="post" action="{action}">{csrf}<input type="hidden" name="action" value="new_intent">
<fieldset><legend>It is something new the bot should answer</legend>
<label for="name">New intent name (lower case, underscores)</label>
<input type="text" id="name" name="name" pattern="[a-z][a-z0-9_]{{2,40}}" required>
<label for="description">Description (what residents mean)</label><input type="text" id="description" name="description">
<label for="answer">The bot's answer</label><textarea id="answer" name="answer" rows="3" required></textarea>
<label for="example-2">Example</label><input type="text" id="example-2" name="example" value="{e(example)}" required>
<label for="more">More examples, one per line (five or more help the bot learn)</label>
<textarea id="more" name="more" rows="5"></textarea>
<button type="submit">Create intent</button></fieldset></form>
<form method="post" action="{action}">{csrf}<input type="hidden" name="action" value="out_of_scope">
<input type="hidden" name="example" value="{e(example)}">
<button type="submit">Out of scope (the bot should say it cannot help)</button></form>
<form method="post" action="{action}">{csrf}<input type="hidden" name="action" value="dismiss">
<button type="submit">Dismiss (nothing to learn)</button></form>
"""
    return page(request, "Review a message", body)




async def teach_post(request: web.Request) -> web.StreamResponse:
    settings, store = request.app[SETTINGS], request.app[STORE]
    event_id = int(request.match_info["event_id"])
    form = {k: str(v) for k, v in (await request.post()).items() if k != "csrf"}
    async with request.app[EDIT_LOCK]:
        try:
            message = await blocking(service.teach, settings, store, request["staff"]["user"], event_id, form)
        except ValueError as exc:
            raise back(f"/inbox/{event_id}", str(exc), "error") from None
    raise back("/", message)


# ---------------------------------------------------------------- intents


async def intents_page(request: web.Request) -> web.Response:
    data = await blocking(service.intents_overview, request.app[SETTINGS], request.app[STORE])
    note = ""
    if data["error"]:
        note = f'<p class="error">{e(data["error"])}</p>'
    elif not data["evaluated"]:
        note = ('<p class="note">The live model has not been evaluated yet: scores appear after the next '
                "retrain (which evaluates both models).</p>")
    rows = "".join(
        f"<tr><th scope=\"row\">{e(r['intent'])}</th><td class=\"num\">{r['examples']}</td>"
        f"<td class=\"num\">{f1(r['f1']) or 'not in the held-out file'}</td><td>{e(r['description'])}</td></tr>"
        for r in data["intents"]
    )
    body = (f"{note}<p>Weakest first: held-out F1 of the live model (1.0 is perfect).</p>"
            "<table><thead><tr><th scope=\"col\">Intent</th><th scope=\"col\">Examples</th>"
            "<th scope=\"col\">Held-out F1</th><th scope=\"col\">Description</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")
    return page(request, "Intents", body)


# ---------------------------------------------------------------- models


async def models_page(request: web.Request) -> web.Response:
    data = await blocking(service.models_overview, request.app[SETTINGS], request.app[STORE])
    training, live = data["training"], data["live"]
    running = training.get("state") in ("training", "evaluating")
    parts = [flash(request)]
    if data["error"]:
        parts.append(f'<p class="error">{e(data["error"])}</p>')
    parts.append("<h2>Retrain</h2>")
    if running:
        parts.append(
            f'<p role="status" id="training-status">Training started by {e(training.get("by"))}: '
            f'{e(training.get("stage"))}, {training.get("progress", 0)}% after {training.get("elapsed", 0):.0f} s.</p>'
            f'<progress max="100" value="{training.get("progress", 0)}" aria-labelledby="training-status"></progress>'
            "<p>This page refreshes itself every 3 seconds.</p>")
    else:
        last = ""
        if training.get("state") == "done":
            last = (f'<p role="status" id="training-status">Last training: done ({e(training.get("message"))}). '
                    f'<a href="{PREFIX}/models/{training.get("model_id")}">See how it compares</a></p>')
        elif training.get("state") == "failed":
            last = f'<p class="error" role="status" id="training-status">Last training failed: {e(training.get("message"))}</p>'
        parts.append(f'{last}<form method="post" action="{PREFIX}/retrain">{csrf_field(request)}'
                     "<button type=\"submit\">Retrain the assistant</button></form>")
    parts.append("<h2>Last five models</h2><table><thead><tr><th scope=\"col\">Model</th><th scope=\"col\">File</th>"
                 "<th scope=\"col\">Created</th><th scope=\"col\">By</th><th scope=\"col\">Held-out macro F1</th>"
                 "<th scope=\"col\">Status</th><th scope=\"col\">Action</th></tr></thead><tbody>")
    for m in data["recent"]:
        is_live = live is not None and live["id"] == m["id"]
        action = "" if is_live or not models.was_live(m) else (  # never live: Promote, on the model's page
            f'<form class="inline" method="post" action="{PREFIX}/models/{m["id"]}/rollback">{csrf_field(request)}'
            f'<button type="submit">Make live (roll back) to model {m["id"]}</button></form>')
        parts.append(f'<tr><th scope="row"><a href="{PREFIX}/models/{m["id"]}">Model {m["id"]}</a></th>'
                     f"<td>{e(Path(m['path']).name)}</td><td>{when(m['created'])}</td><td>{e(m['created_by'])}</td>"
                     f"<td class=\"num\">{f1(m['macro_f1'])}</td><td>{'live' if is_live else ''}</td><td>{action}</td></tr>")
    parts.append("</tbody></table>")
    return page(request, "Models and retraining", "".join(parts), refresh=3 if running else 0)


async def retrain(request: web.Request) -> web.StreamResponse:
    settings, store = request.app[SETTINGS], request.app[STORE]
    try:
        models.start_training(settings, store, request["staff"]["user"], background=True)
    except models.AlreadyRunning:
        if "/api/" in request.path:
            return web.json_response({"error": "a training is already running"}, status=409)
        raise back("/models", "A training is already running.", "error") from None
    if "/api/" in request.path:
        return web.json_response({"started": True}, status=202)
    raise back("/models", "Training started.")


def _model_detail(settings: StaffSettings, store: Store, model_id: int) -> Dict[str, Any]:
    model = store.model(model_id)
    if model is None:
        raise web.HTTPNotFound(text="no such model")
    try:
        live = models.resolve_live(settings, store)
    except models.RasaError:
        live = None
    return {"model": model, "live": live, "rows": models.compare(model, live),
            "requested_by": store.promotion_request(model_id)}


async def model_page(request: web.Request) -> web.Response:
    settings, store = request.app[SETTINGS], request.app[STORE]
    data = await blocking(_model_detail, settings, store, int(request.match_info["model_id"]))
    model, live, user = data["model"], data["live"], request["staff"]["user"]
    is_live = live is not None and live["id"] == model["id"]
    scores = model["scores"]
    parts = [flash(request), f"<p>File {e(Path(model['path']).name)}, created {when(model['created'])} by "
             f"{e(model['created_by'])}.{' <strong>This model is live.</strong>' if is_live else ''}</p>"]
    if scores:
        live_f1 = f1(live and live["macro_f1"]) or "not evaluated"
        parts.append(
            "<h2>Compared with the live model</h2><table><thead><tr><th scope=\"col\">Held-out file</th>"
            "<th scope=\"col\">Live model</th><th scope=\"col\">This model</th></tr></thead><tbody>"
            f"<tr><th scope=\"row\">Macro F1</th><td class=\"num\">{live_f1}</td>"
            f"<td class=\"num\">{f1(model['macro_f1'])}</td></tr></tbody></table>")
        if data["rows"]:
            parts.append("<table id=\"changes\"><caption>Intents whose F1 rose or fell</caption><thead><tr>"
                         "<th scope=\"col\">Intent</th><th scope=\"col\">Live F1</th><th scope=\"col\">New F1</th>"
                         "<th scope=\"col\">Change</th></tr></thead><tbody>")
            for r in data["rows"]:
                kind = "up" if r["change"] > 0 else "down"
                word = "rose" if r["change"] > 0 else "fell"
                parts.append(f"<tr><th scope=\"row\">{e(r['intent'])}</th><td class=\"num\">{f1(r['live'])}</td>"
                             f"<td class=\"num\">{f1(r['new'])}</td><td class=\"num {kind}\">{word} "
                             f"{r['change']:+.3f}</td></tr>")
            parts.append("</tbody></table>")
        elif not is_live:
            parts.append("<p>No intent's F1 changed on the held-out file.</p>")
        parts.append(f'<h2>Confusion matrix</h2><img src="{PREFIX}/models/{model["id"]}/confusion.png" '
                     'alt="Confusion matrix of this model on the held-out file; the same numbers are in the table below.">')
        head = "".join(f'<th scope="col">{e(c)}</th>' for c in scores["columns"])
        body = "".join(f'<tr><th scope="row">{e(label)}</th>' + "".join(f'<td class="num">{v}</td>' for v in row)
                       + "</tr>" for label, row in zip(scores["labels"], scores["matrix"], strict=True))
        parts.append("<details><summary>Confusion matrix as a table</summary><table><caption>Rows: true intent; "
                     f"columns: predicted intent</caption><thead><tr><td></td>{head}</tr></thead><tbody>{body}"
                     "</tbody></table></details>")
    else:
        parts.append('<p class="note">Not evaluated on the held-out file.</p>')
    if not is_live:
        requested = data["requested_by"]
        if requested and requested != user:
            parts.append(f'<p class="note">{e(requested)} asked to promote this model although it scores worse than '
                         "the live one. You can confirm.</p>")
            label = "Confirm promotion (second member of staff)"
        elif requested:
            parts.append('<p class="note">This model scores worse than the live one: another member of staff must '
                         "sign in and confirm the promotion.</p>")
            label = "Promote"
        else:
            label = "Promote (make it live)"
        parts.append(f'<form method="post" action="{PREFIX}/models/{model["id"]}/promote">{csrf_field(request)}'
                     f"<button type=\"submit\">{label}</button></form>")
    return page(request, f"Model {model['id']}", "".join(parts))


async def promote_post(request: web.Request) -> web.StreamResponse:
    settings, store = request.app[SETTINGS], request.app[STORE]
    model_id = int(request.match_info["model_id"])
    try:
        result = await blocking(models.promote, settings, store, model_id, request["staff"]["user"])
    except (ValueError, models.RasaError) as exc:
        raise back(f"/models/{model_id}", str(exc), "error") from None
    raise back(f"/models/{model_id}", result.message, "ok" if result.promoted else "error")


async def rollback_post(request: web.Request) -> web.StreamResponse:
    settings, store = request.app[SETTINGS], request.app[STORE]
    model_id = int(request.match_info["model_id"])
    try:
        result = await blocking(models.rollback, settings, store, model_id, request["staff"]["user"])
    except (ValueError, models.RasaError) as exc:
        raise back("/models", str(exc), "error") from None
    raise back("/models", result.message)


async def confusion(request: web.Request) -> web.StreamResponse:
    path = models.confusion_png(request.app[SETTINGS], int(request.match_info["model_id"]))
    if not path.exists():
        raise web.HTTPNotFound()
    return web.Response(body=path.read_bytes(), content_type="image/png")


# ---------------------------------------------------------------- impact


def _impact_dates(request: web.Request) -> Tuple[str, str, Optional[date], Optional[date], List[str]]:
    """The date filter from the query string; bad dates are reported and ignored."""
    texts, dates, errors = [], [], []
    for key, name in (("from", "From"), ("to", "To")):
        text = request.query.get(key, "").strip()
        try:
            dates.append(date.fromisoformat(text) if text else None)
            texts.append(text)
        except ValueError:
            dates.append(None)
            texts.append("")
            errors.append(f"{name} is not a date: use the date picker or YYYY-MM-DD.")
    start, end = dates
    if start and end and start > end:
        errors.append("The From date is after the To date: showing every date instead.")
        texts, start, end = ["", ""], None, None
    return texts[0], texts[1], start, end, errors


async def _impact(request: web.Request) -> Tuple[impact_report.Report, str, str, List[str]]:
    settings, engines = request.app[SETTINGS], request.app[IMPACT_DB]
    start_text, end_text, start, end, errors = _impact_dates(request)
    if not engines:
        raise web.HTTPServiceUnavailable(text="No directory database is set (DIRECTORY_URL).")
    built = await blocking(impact_report.build, engines[0], start, end, settings.impact_min_count)
    return built, start_text, end_text, errors


async def impact_page(request: web.Request) -> web.Response:
    built, start, end, errors = await _impact(request)
    body = impact_view.render(built, PREFIX, start, end, errors, request.app[SETTINGS].impact_retention_days)
    return page(request, "Impact: what residents needed, and where help is missing", body)


async def impact_csv(request: web.Request) -> web.Response:
    built, start, end, _ = await _impact(request)
    name = "-".join(["signpost-impact", start or "start", end or "today"]) + ".csv"
    request.app[STORE].audit(request["staff"]["user"], "downloaded_impact_csv", start=start or None, end=end or None)
    return web.Response(text=impact_report.to_csv(built), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def audit_page(request: web.Request) -> web.Response:
    rows = "".join(
        f"<tr><td>{when(r['at'])}</td><td>{e(r['user'])}</td><td>{e(r['action'])}</td>"
        f"<td>{e(json.dumps(r['details'], ensure_ascii=False))}</td></tr>"
        for r in await blocking(request.app[STORE].audit_log)
    )
    return page(request, "Audit log", "<table><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th>"
                f"<th scope=\"col\">What</th><th scope=\"col\">Details</th></tr></thead><tbody>{rows}</tbody></table>")


# ---------------------------------------------------------------- JSON API
async def api_inbox(request: web.Request) -> web.Response:
    groups = await blocking(service.inbox_groups, request.app[SETTINGS], request.app[STORE])
    return web.json_response([[{"event_id": m.event_id, "text": m.masked, "intent": m.intent,
                                "confidence": m.confidence, "timestamp": m.timestamp} for m in g.messages]
                              for g in groups])


async def api_intents(request: web.Request) -> web.Response:
    return web.json_response(await blocking(service.intents_overview, request.app[SETTINGS], request.app[STORE]))


async def api_models(request: web.Request) -> web.Response:
    data = await blocking(service.models_overview, request.app[SETTINGS], request.app[STORE])
    return web.json_response({"live": data["live"] and data["live"]["id"], "training": data["training"],
                              "error": data["error"],
                              "recent": [{k: v for k, v in m.items() if k != "scores"} for m in data["recent"]]})


async def redirect_root(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently(f"{PREFIX}/")


ROUTES = [
    ("GET", "/login", login_form, True),
    ("POST", "/login", login, True),
    ("POST", "/logout", logout, False),
    ("GET", "/", inbox_page, False),
    ("GET", "/inbox/{event_id:\\d+}", message_page, False),
    ("POST", "/inbox/{event_id:\\d+}/teach", teach_post, False),
    ("GET", "/intents", intents_page, False),
    ("GET", "/models", models_page, False),
    ("POST", "/retrain", retrain, False),
    ("GET", "/models/{model_id:\\d+}", model_page, False),
    ("GET", "/models/{model_id:\\d+}/confusion.png", confusion, False),
    ("POST", "/models/{model_id:\\d+}/promote", promote_post, False),
    ("POST", "/models/{model_id:\\d+}/rollback", rollback_post, False),
    ("GET", "/impact", impact_page, False),
    ("GET", "/impact.csv", impact_csv, False),
    ("GET", "/audit", audit_page, False),
    ("GET", "/api/inbox", api_inbox, False),
    ("GET", "/api/intents", api_intents, False),
    ("GET", "/api/models", api_models, False),
    ("POST", "/api/retrain", retrain, False),
]


def add_routes(app: web.Application, settings: StaffSettings) -> None:
    """Mount the console under /staff/, every route behind :func:`guarded`."""
    store = Store(settings.db_location)
    app[SETTINGS], app[STORE], app[EDIT_LOCK] = settings, store, asyncio.Lock()
    engines: List[Engine] = [make_engine(settings.directory_url)] if settings.directory_url else []
    app[IMPACT_DB] = engines
    for method, path, handler, public in ROUTES:
        app.router.add_route(method, PREFIX + path, guarded(handler, public))
    app.router.add_get(PREFIX, redirect_root)

    async def dispose(app: web.Application) -> None:
        models.stop_children()
        store.dispose()
        for engine in engines:
            engine.dispose()

    app.on_cleanup.append(dispose)
