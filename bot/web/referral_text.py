"""``POST /referrals/text {"code": ..., "number": ...}``: "Text me this", one text through GOV.UK Notify.

The resident's widget sends their referral code and a mobile number here,
not through the chat, so the number never enters a conversation. It is
checked (a UK mobile, with phonenumbers), used for this one send and then
dropped: never stored, logged, put in an exception message or sent back.
The text is the places of that answer with their hours for the week and
the code (bot/referrals/sms.py), sent with Notify's own client, off the
event loop. Notify's template holds only ``((message))``.

Sends are rate limited per client address and per code (the limits
library, in this process's memory: there is one web server). Answers are
an ``error`` code for the widget to put in the resident's words, or
``{"sent": true}``. Without NOTIFY_API_KEY and NOTIFY_SMS_TEMPLATE_ID the
route does not exist (404) and the widget offers no button.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Optional, Tuple
from zoneinfo import ZoneInfo

from aiohttp import web
from limits import RateLimitItem
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient
from sqlalchemy.engine import Engine

from bot.directory.db import make_engine
from bot.directory.search import DirectorySearch, HubResult
from bot.referrals import sms
from bot.referrals.store import Referral, ReferralStore
from bot.staff.auth import client_address
from bot.web.forget import preflight
from bot.web.settings import WebSettings

logger = logging.getLogger(__name__)
# The client's own warning on a failed send quotes Notify's answer, which we do not control: ours says
# the status code only.
logging.getLogger("notifications_python_client").setLevel(logging.ERROR)

NOTIFY_TIMEOUT = 10  # seconds; Notify answers in well under one
MAX_CODE_LENGTH = 20


class TextSender:
    """Everything one text needs: the referral codes, the places, the limits and Notify."""

    def __init__(self, settings: WebSettings, trusted_proxies: Tuple[str, ...]) -> None:
        self.settings = settings
        self.trusted_proxies = trusted_proxies
        self.engine: Engine = make_engine(settings.directory_url)
        self.referrals = ReferralStore(self.engine)
        self.search = DirectorySearch(self.engine, settings.timezone)
        self.counts = MemoryStorage()  # the limiter only keeps a weak reference to it
        self.limiter = FixedWindowRateLimiter(self.counts)

    def wait_for(self, item: Optional[RateLimitItem], kind: str, key: str) -> Optional[int]:
        """Counts this attempt: None when allowed, else the seconds until the window ends."""
        if item is None or self.limiter.hit(item, "text", kind, key):
            return None
        reset, _left = self.limiter.get_window_stats(item, "text", kind, key)
        return max(1, int(reset - time.time()))

    def places(self, referral: Referral) -> list[HubResult]:
        """The places of that answer still in the directory, in its order."""
        found = (self.search.get_hub(hub_id) for hub_id in referral.hub_ids)
        return [hub for hub in found if hub is not None]

    def send(self, referral: Referral, number: str) -> None:
        """One text (blocking: call it in a thread); raises APIError when Notify refuses or is away."""
        today = datetime.now(ZoneInfo(self.settings.timezone)).date()
        message = sms.compose(
            referral.code, self.places(referral), referral.expires, today, self.settings.timezone
        )
        client = NotificationsAPIClient(
            self.settings.notify_api_key, base_url=self.settings.notify_base_url, timeout=NOTIFY_TIMEOUT
        )
        client.send_sms_notification(
            phone_number=number,
            template_id=self.settings.notify_sms_template_id,
            personalisation={"message": message, "code": referral.code},
        )


SENDER = web.AppKey("text_sender", TextSender)


def refuse(error: str, status: int, **headers: str) -> web.Response:
    """An error code for the widget, which says it in the resident's language; nothing the resident sent."""
    return web.json_response({"error": error}, status=status, headers=headers)


async def _body(request: web.Request) -> Optional[dict]:
    if request.content_type != "application/json":
        return None
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def text_me_this(request: web.Request) -> web.Response:
    sender = request.app[SENDER]
    body = await _body(request)
    if body is None:
        return refuse("send JSON with code and number", 400)
    number = sms.uk_mobile(body.get("number"))
    if number is None:
        return refuse("not_a_mobile", 422)
    address = client_address(
        request.remote, request.headers.getall("X-Forwarded-For", []), sender.trusted_proxies
    )
    wait = sender.wait_for(sender.settings.text_per_address, "address", address)
    if wait is not None:
        return refuse("too_many", 429, **{"Retry-After": str(wait)})
    code = body.get("code")
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH:
        return refuse("unknown_code", 404)
    try:
        referral = await asyncio.to_thread(sender.referrals.find, code)
    except Exception as exc:  # noqa: BLE001 - the database is away: "try later", as when Notify is
        logger.error("could not look up a referral code for a text: %s", type(exc).__name__)
        return refuse("not_sent", 503)
    if referral is None:
        return refuse("unknown_code", 404)
    if referral.expired():
        return refuse("expired_code", 410)
    wait = sender.wait_for(sender.settings.text_per_code, "code", referral.code)
    if wait is not None:
        return refuse("too_many", 429, **{"Retry-After": str(wait)})
    try:
        await asyncio.to_thread(sender.send, referral, number)
    except APIError as exc:
        logger.warning("Notify did not send a referral text: HTTP %s", exc.status_code)
        return refuse("not_sent", 503)
    except Exception as exc:  # noqa: BLE001 - a resident gets "try later", the log gets no number
        logger.error("a referral text failed: %s", type(exc).__name__)
        return refuse("not_sent", 503)
    return web.json_response({"sent": True})


def add_routes(app: web.Application, settings: WebSettings, trusted_proxies: Tuple[str, ...]) -> None:
    """Mount the route only when Notify is configured: otherwise it answers 404, as the widget expects."""
    if not settings.texts_on:
        return
    sender = TextSender(settings, trusted_proxies)
    app[SENDER] = sender
    app.router.add_post("/referrals/text", text_me_this)
    app.router.add_route("OPTIONS", "/referrals/text", preflight)

    async def dispose(app: web.Application) -> None:
        sender.engine.dispose()

    app.on_cleanup.append(dispose)  # type: ignore[arg-type]  # aiohttp 3.9 vs aiosignal 1.4
