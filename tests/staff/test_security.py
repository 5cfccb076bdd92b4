"""Security of the staff console: nothing without a session, CSRF on every POST, throttled sign-in."""

from __future__ import annotations

import re
import sqlite3

import requests

from bot.staff.web import PREFIX, ROUTES
from tests.staff.conftest import PASSWORD, StaffServer, csrf_of

PUBLIC = {("GET", f"{PREFIX}/login"), ("POST", f"{PREFIX}/login")}  # the sign-in form, and nothing else


def console_urls() -> list:
    """Every route of the console but sign-in (from its route table, so new pages are covered too)."""
    routes = [(route.method, re.sub(r"\{[^}]+\}", "1", route.path)) for route in ROUTES]
    return [r for r in routes if r not in PUBLIC]


def test_every_console_url_and_api_refuses_without_a_session(server: StaffServer) -> None:
    urls = console_urls()
    assert len(urls) >= 15
    for method, path in urls:
        response = requests.request(method, f"{server.url}{path}", allow_redirects=False)
        if method == "GET" and "/api/" not in path:
            assert response.status_code == 303 and response.headers["Location"] == f"{PREFIX}/login", path
        else:
            assert response.status_code in (401, 403), (method, path, response.status_code)
        assert "bus pass" not in response.text and "alice" not in response.text
    assert requests.get(f"{server.url}{PREFIX}", allow_redirects=True).url.endswith(f"{PREFIX}/login")
    # A made-up cookie is no session either.
    forged = requests.get(f"{server.url}{PREFIX}/api/inbox", cookies={"signpost_staff": "made-up"})
    assert forged.status_code == 401


def test_sign_in_sets_a_strict_http_only_cookie_secure_behind_https(server: StaffServer) -> None:
    s = requests.Session()
    response = server.sign_in(s, "alice", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
    assert "Secure" not in cookie
    https = {"X-Forwarded-Proto": "https"}
    form = requests.get(f"{server.url}{PREFIX}/login", headers=https)
    assert "Secure" in form.headers["Set-Cookie"]
    behind_proxy = requests.post(  # the client is told the cookie is for HTTPS only: send it by hand
        f"{server.url}{PREFIX}/login",
        headers=https,
        allow_redirects=False,
        cookies={"signpost_staff_login": form.cookies["signpost_staff_login"]},
        data={"csrf": csrf_of(form.text), "name": "alice", "password": PASSWORD},
    )
    assert behind_proxy.status_code == 303 and "Secure" in behind_proxy.headers["Set-Cookie"]
    page = s.get(f"{server.url}{PREFIX}/")
    assert page.status_code == 200 and "Inbox" in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_posts_without_a_valid_csrf_token_are_refused(server: StaffServer) -> None:
    s = server.session("alice")
    event_form = {"action": "dismiss"}
    for token in (None, "wrong"):
        data = dict(event_form, **({"csrf": token} if token else {}))
        response = s.post(f"{server.url}{PREFIX}/inbox/2/teach", data=data, allow_redirects=False)
        assert response.status_code == 403
        assert s.post(f"{server.url}{PREFIX}/retrain", data=data, allow_redirects=False).status_code == 403
        assert s.post(f"{server.url}{PREFIX}/logout", data=data, allow_redirects=False).status_code == 403
    assert s.post(f"{server.url}{PREFIX}/api/retrain", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    # bob's token is not alice's
    bob_token = csrf_of(server.session("bob").get(f"{server.url}{PREFIX}/").text)
    response = s.post(
        f"{server.url}{PREFIX}/inbox/2/teach", data=dict(event_form, csrf=bob_token), allow_redirects=False
    )
    assert response.status_code == 403
    # the sign-in form has its own token
    fresh = requests.Session()
    fresh.get(f"{server.url}{PREFIX}/login")
    response = fresh.post(
        f"{server.url}{PREFIX}/login", data={"name": "alice", "password": PASSWORD}, allow_redirects=False
    )
    assert response.status_code == 403
    # and with the right token, the same post works
    token = csrf_of(s.get(f"{server.url}{PREFIX}/").text)
    ok = s.post(
        f"{server.url}{PREFIX}/inbox/2/teach", data=dict(event_form, csrf=token), allow_redirects=False
    )
    assert ok.status_code == 303


def test_five_wrong_passwords_lock_the_account(server: StaffServer) -> None:
    s = requests.Session()
    for _ in range(5):
        assert server.sign_in(s, "alice", "wrong password!!").status_code == 401
    locked = server.sign_in(s, "alice", PASSWORD)  # even the right password
    assert locked.status_code == 429 and "Too many failed attempts" in locked.text
    assert "signpost_staff=" not in locked.headers.get("Set-Cookie", "")
    assert server.sign_in(requests.Session(), "bob", PASSWORD).status_code == 303  # others unaffected


def test_passwords_are_stored_as_argon2_hashes(server: StaffServer) -> None:
    raw = server.staff.db_path.read_bytes()
    assert PASSWORD.encode() not in raw
    with sqlite3.connect(server.staff.db_path) as db:
        hashes = [h for (h,) in db.execute("SELECT password_hash FROM users")]
    assert len(hashes) == 2 and all(h.startswith("$argon2id$") for h in hashes)


def test_a_session_cookie_is_dead_after_sign_out(server: StaffServer) -> None:
    bob = server.session("bob")
    cookie = bob.cookies.get("signpost_staff")
    token = csrf_of(bob.get(f"{server.url}{PREFIX}/").text)
    assert (
        bob.post(f"{server.url}{PREFIX}/logout", data={"csrf": token}, allow_redirects=False).status_code
        == 303
    )
    thief = requests.Session()
    thief.cookies.set("signpost_staff", cookie)
    assert thief.get(f"{server.url}{PREFIX}/api/models").status_code == 401
    response = thief.get(f"{server.url}{PREFIX}/", allow_redirects=False)
    assert response.status_code == 303 and response.headers["Location"] == f"{PREFIX}/login"
    with sqlite3.connect(server.staff.db_path) as db:
        stored = [i for (i,) in db.execute("SELECT id_hash FROM sessions")]
    assert cookie not in stored  # only digests are stored


def test_the_rasa_token_never_reaches_a_page(server: StaffServer) -> None:
    s = server.session("alice")
    for path in ("/models", "/intents", "/api/models", "/api/intents"):
        response = s.get(f"{server.url}{PREFIX}{path}")
        assert response.status_code == 200 and "cannot ask Rasa" in response.text
        assert server.staff.token() not in response.text
