"""The Referrals page: a hub finds a resident's code and records that they arrived, and what happened.

The one page a hub's account may use (:func:`bot.staff.views.base.open_to_hubs`).
A code shows only its need and the day it was given: nothing else about
the resident is stored to show. A hub's account records arrivals at its
own place only (the place comes from the account, never from the form);
staff choose among the places named in that answer. Every mark, and every
change of one, goes to the same audit log as ``python -m bot referrals mark``
(:mod:`bot.referrals.marking`).

Looking a code up and recording an arrival are POSTs answered with the page
itself (no redirect with a message in the address), so codes stay out of the
browser history of a shared library computer and out of server logs.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Optional, Tuple

from aiohttp import web
from babel.dates import format_date

from bot.referrals import codes, marking, outcomes
from bot.referrals.store import ExpiredCode, PlaceNotInAnswer, Referral, ReferralError, UnknownCode
from bot.staff.hubs import hub_label, hub_names
from bot.staff.views.base import (
    HUB_HOME,
    STORE,
    blocking,
    impact_engine,
    open_to_hubs,
    referral_store,
    render,
)
from bot.staff.views.impact import need_label
from bot.wording import _, catalogue

routes = web.RouteTableDef()
TITLE = "Referrals: record who arrived"
CODE_SHOWN = 20  # characters of a mistyped code echoed back
NOTHING_FOUND: Dict[str, Any] = {  # what the template reads when no code is shown
    "code": "",
    "done": "",
    "error": "",
    "referral": None,
    "need": "",
    "issued": "",
    "previous": None,
    "previous_label": "",
    "places": [],
}


def day_words(day: date) -> str:
    """ "Monday 3 November 2025", as the catalogue's locale writes a day."""
    return format_date(day, "EEEE d MMMM y", locale=catalogue().locale)


async def _page(request: web.Request, **context: Any) -> web.Response:
    """The page for the signed-in account: which place it records for (a hub's account), the forms."""
    hub_id: Optional[str] = request["staff"].get("hub_id")
    engine = impact_engine(request)
    names = await blocking(hub_names, engine, [hub_id]) if engine is not None and hub_id else {}
    return render(
        request,
        "referrals.html",
        TITLE,
        hub_place=hub_label(names, hub_id) if hub_id else "",
        outcomes=list(outcomes.labels().items()),
        **{**NOTHING_FOUND, **context},
    )


@routes.get(HUB_HOME)
@open_to_hubs
async def referrals_page(request: web.Request) -> web.Response:
    return await _page(request)


def _problem(referral: Optional[Referral], typed: str, hub_id: Optional[str]) -> str:
    """Why this code cannot be marked here, in the catalogue's plain words ("" when it can)."""
    if referral is None:
        return str(UnknownCode(typed))
    if referral.expired():
        return str(ExpiredCode(referral.code, referral.expires))
    if hub_id and hub_id not in referral.hub_ids:
        return str(PlaceNotInAnswer(referral.code, hub_id))
    return ""


@routes.post(HUB_HOME)
@open_to_hubs
async def find_code(request: web.Request) -> web.Response:
    typed = str((await request.post()).get("code", "")).strip()[:CODE_SHOWN]
    hub_id: Optional[str] = request["staff"].get("hub_id")
    referral = await blocking(referral_store(request).find, typed) if typed else None
    problem = _problem(referral, typed, hub_id) if typed else "Type the code the person shows you."
    if problem or referral is None:
        return await _page(request, code=typed, error=problem)
    context: Dict[str, Any] = {
        "referral": referral,
        "need": need_label(referral.need),
        "issued": day_words(referral.day),
    }
    if hub_id:
        previous = referral.arrivals.get(hub_id)
        context.update(previous=previous, previous_label=outcomes.label(previous) if previous else "")
    else:
        names = await blocking(hub_names, impact_engine(request), referral.hub_ids)
        places: List[Tuple[str, str]] = [(h, hub_label(names, h)) for h in referral.hub_ids]
        context["places"] = places
    return await _page(request, code=referral.code, **context)


@routes.post(HUB_HOME + "/mark")
@open_to_hubs
async def mark(request: web.Request) -> web.Response:
    form = await request.post()
    typed, outcome = str(form.get("code", "")).strip()[:CODE_SHOWN], str(form.get("outcome", ""))
    user, hub_id = request["staff"]["user"], request["staff"].get("hub_id")
    hub_id = hub_id or str(form.get("hub", ""))  # a hub's account marks at its own place, whatever is sent
    if not outcome or not hub_id:
        missing = "what happened when they arrived" if not outcome else "the place where they arrived"
        return await _page(request, code=typed, error=f"Choose {missing}, then find the code again.")
    try:  # the same mark and audit entry as ``python -m bot referrals mark``
        previous = await blocking(
            marking.mark, referral_store(request), request.app[STORE], typed, hub_id, outcome, user
        )
    except ReferralError as exc:
        return await _page(request, code=typed, error=str(exc))
    code = codes.normalise(typed) or typed  # as stored: mark() found it
    words = outcomes.label(outcome)
    if previous is None:
        done = _("referral.marked", code=code, outcome=words)
    else:
        done = _("referral.remarked", code=code, outcome=words, previous=outcomes.label(previous))
    return await _page(request, done=done)
