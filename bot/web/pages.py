"""The widget script and the demo council page.

The demo page carries a strict Content-Security-Policy (no inline script or
style) to show councils that the widget needs nothing more than its own
script origin and Rasa in ``connect-src``.

The widget's words are not in its source: ``/widget.js`` is served with the
``widget.*`` messages of every language's catalogue (bot/wording) written
into it, so the script needs no second request before it can draw itself.
What this server offers is written in the same way (``CONFIG``: whether
"Text me this" is on, and the languages on offer with each one's name in
itself and its writing direction, from Babel's CLDR data, for the picker).
Only the languages switched on with ``LANGUAGES`` are written in.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Dict, List, Sequence
from urllib.parse import urlsplit

from aiohttp import web
from babel import Locale

from bot.web.settings import WebSettings
from bot.wording import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, catalogue, domain_text, languages

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
DEMO_TEMPLATE = HERE / "templates" / "demo.html"
SETTINGS = web.AppKey("web_settings", WebSettings)
WIDGET_SOURCE = web.AppKey("widget_source", bytes)
STRINGS_SLOT = "var STRINGS = {};"  # in widget.js: where the served script gets its words
CONFIG_SLOT = "var CONFIG = {};"  # ... and what this server offers


def offered_languages(enabled: Sequence[str]) -> List[str]:
    """Of the languages switched on (``LANGUAGES``), those with a catalogue, English always."""
    have = set(languages())
    return [
        code for code in SUPPORTED_LANGUAGES if code in have and (code == DEFAULT_LANGUAGE or code in enabled)
    ]


def widget_strings(language: str) -> Dict[str, Any]:
    """The widget's words in ``language``: its ``widget.*`` messages, plurals as CLDR forms."""
    words = catalogue(language)
    strings = words.prefixed("widget.")
    # The welcome ends with the bot's own question, in the language's translation once there is one.
    key = "response.utter_what_help"
    what_help = words.text(key) if words.has(key) else domain_text("utter_what_help")
    strings["welcome"] = str(strings["welcome"]).format_map({"what_help": what_help})
    return strings


def language_choices(codes: Sequence[str]) -> List[Dict[str, str]]:
    """The picker's options: each language named in itself ("Cymraeg", "العربية") and its direction."""
    choices = []
    for code in codes:
        locale = Locale.parse(code)
        name = locale.get_display_name(code) or code
        direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
        choices.append({"code": code, "name": name[:1].upper() + name[1:], "dir": direction})
    return choices


def widget_source(
    config: Dict[str, Any] | None = None, enabled: Sequence[str] = SUPPORTED_LANGUAGES
) -> bytes:
    """widget.js as served: its source with the words of each ``enabled`` language and the server's config."""
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    codes = offered_languages(enabled)
    strings = {lang: widget_strings(lang) for lang in codes}
    config = {**(config or {}), "languages": language_choices(codes)}
    for slot, value in ((STRINGS_SLOT, strings), (CONFIG_SLOT, config)):
        if source.count(slot) != 1:
            raise RuntimeError(f"widget.js must contain {slot!r} exactly once")
        name = slot.split(" = ")[0]
        source = source.replace(slot, f"{name} = {json.dumps(value, ensure_ascii=True, sort_keys=True)};")
    return source.encode("utf-8")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _static(name: str, content_type: str, body: bytes | None = None) -> web.Response:
    body = (STATIC / name).read_bytes() if body is None else body
    response = web.Response(body=body, content_type=content_type, charset="utf-8")
    # Councils embed the script by URL: let a new version reach residents within minutes.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.enable_compression()
    return response


async def widget_js(request: web.Request) -> web.Response:
    response = _static("widget.js", "text/javascript", request.app[WIDGET_SOURCE])
    # Lets pages load it with crossorigin="anonymous" (and Subresource Integrity).
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


async def demo_css(request: web.Request) -> web.Response:
    return _static("demo.css", "text/css")


async def demo_page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    # /?lang=cy shows the widget in Welsh (its data-lang), for councils and translators to look at.
    language = request.query.get("lang", "")
    if language not in offered_languages(settings.languages):
        language = DEFAULT_LANGUAGE
    page = (
        DEMO_TEMPLATE.read_text(encoding="utf-8")
        .replace("{{rasa_url}}", html.escape(settings.widget_rasa_url, quote=True))
        .replace("{{lang}}", language)
    )
    response = web.Response(text=page, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {origin(settings.widget_rasa_url)}; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def health(request: web.Request) -> web.Response:
    """For process supervisors (``make run`` waits on it)."""
    return web.json_response({"status": "ok"})


def add_routes(app: web.Application, settings: WebSettings) -> None:
    app[SETTINGS] = settings
    app[WIDGET_SOURCE] = widget_source({"texts": settings.texts_on}, settings.languages)
    app.router.add_get("/", demo_page)
    app.router.add_get("/demo.html", demo_page)
    app.router.add_get("/demo.css", demo_css)
    app.router.add_get("/widget.js", widget_js)
    app.router.add_get("/health", health)
