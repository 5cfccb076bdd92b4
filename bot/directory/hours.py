"""Opening hours in residents' words ("9am to 5pm", "Opens Monday at 10am").

Parsing and calendar rules (bank holidays via ``PH``, times past midnight)
are left to the ``opening_hours`` library with country GB; this module only
words the answer. The words are the catalogue's ``hours.`` messages, and
times, day names and dates are written by Babel for the catalogue's locale
(docs/wording.md), so another language needs only its translated .po file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from babel.dates import format_time as babel_time
from opening_hours import (  # type: ignore[attr-defined]  # the stub lacks ParserError
    OpeningHours,
    ParserError,
    State,
)

from bot.wording import _, catalogue

_LOOKAHEAD_DAYS = 60


@dataclass(frozen=True)
class HoursToday:
    """What a resident needs to know about a place's hours right now."""

    open_now: bool | None  # None when hours are unknown
    today: str  # "9am to 5pm", "10am to 1pm and 2pm to 4pm", "Closed today", "Open 24 hours"
    next_open: str | None  # "Opens tomorrow at 9am"; None when open now or nothing ahead
    closes_at: str | None = None  # "5pm" when open now and a closing time is known
    known: bool = True  # False when the place gave no (or no usable) hours


def unknown_hours() -> HoursToday:
    """Hours of a place that gave none (or none we can read)."""
    return HoursToday(open_now=None, today=_("hours.today.unknown"), next_open=None, known=False)


def _zone(tz: str | tzinfo) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    return ZoneInfo(str(tz))


@lru_cache(maxsize=2048)
def parse_hours(expr: str, tz: str = "Europe/London") -> OpeningHours:
    """Parsed, cached opening hours; raises ParserError (a SyntaxError) when invalid."""
    return OpeningHours(expr, timezone=ZoneInfo(tz), country="GB")


def validate_hours(expr: str) -> str | None:
    """None when ``expr`` is valid OSM opening_hours, else a short reason."""
    try:
        parse_hours(expr)
    except (ParserError, SyntaxError, ValueError) as exc:
        detail = [line.strip() for line in str(exc).splitlines() if line.strip().startswith("=")]
        return detail[0].lstrip("= ").strip() if detail else "not valid opening_hours syntax"
    return None


def format_time(moment: time) -> str:
    """9am, 9:30am, 12pm, midnight (the catalogue's patterns, written by Babel)."""
    if moment.hour == 0 and moment.minute == 0:
        return _("hours.midnight")
    pattern = _("hours.time.hour") if moment.minute == 0 else _("hours.time.minutes")
    return babel_time(moment, pattern, locale=catalogue().locale)


def _day_phrase(day: date, today: date) -> str:
    """today, tomorrow, Monday (this week), or Thursday 24 December (further ahead)."""
    locale = catalogue().locale
    if day == today:
        return _("hours.day.today")
    if day == today + timedelta(days=1):
        return _("hours.day.tomorrow")
    if day < today + timedelta(days=7):
        return str(get_day_names("wide", locale=locale)[day.weekday()])
    return format_date(day, _("hours.date"), locale=locale)


def describe_hours(
    expr: str | None, now: datetime | None = None, tz: str | tzinfo = "Europe/London"
) -> HoursToday:
    """Open now?, today's hours and the next opening, for an OSM opening_hours string."""
    if not expr or not expr.strip():
        return unknown_hours()
    zone = _zone(tz)
    try:
        hours = parse_hours(expr.strip(), str(zone.key))
    except (ParserError, SyntaxError, ValueError):
        return unknown_hours()
    now = datetime.now(zone) if now is None else now
    now = now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)
    today = now.date()
    midnight = datetime.combine(today, time(0), tzinfo=zone)
    day_end = midnight + timedelta(days=1)

    # Today's open spans; a span running past midnight is followed into tomorrow.
    spans: list[tuple[datetime, datetime]] = []
    unknown_today = False
    for start, end, state, _comment in hours.intervals(midnight, day_end + timedelta(days=1)):
        if start >= day_end:
            if spans and state == State.OPEN and start == spans[-1][1]:
                spans[-1] = (spans[-1][0], end)  # e.g. Fr 22:00-02:00
            break
        if state == State.OPEN:
            if spans and spans[-1][1] == start:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        elif state == State.UNKNOWN:
            unknown_today = True

    state_now = hours.state(now)[0]
    open_now: bool | None = None if state_now == State.UNKNOWN else state_now == State.OPEN

    if (
        spans
        and spans[0][0] <= midnight
        and spans[0][1] >= day_end + timedelta(days=1) - timedelta(minutes=1)
    ):
        today_text = _("hours.today.always")
    elif spans:
        today_text = catalogue().join(_span_text(s, e, midnight, day_end) for s, e in spans)
    elif unknown_today:
        today_text = _("hours.today.unknown_today")
    else:
        today_text = _("hours.today.closed")

    closes_at = None
    next_open = None
    if open_now:
        change = hours.next_change(now)
        if change is not None and change - now < timedelta(days=1):
            closes_at = format_time(change.astimezone(zone).time())
    elif open_now is False:
        for start, _end, state, _comment in hours.intervals(now, now + timedelta(days=_LOOKAHEAD_DAYS)):
            if state == State.OPEN:
                local = start.astimezone(zone)
                next_open = _(
                    "hours.opens", day=_day_phrase(local.date(), today), time=format_time(local.time())
                )
                break
    return HoursToday(open_now=open_now, today=today_text, next_open=next_open, closes_at=closes_at)


def _span_text(start: datetime, end: datetime, midnight: datetime, day_end: datetime) -> str:
    if start <= midnight:
        return _("hours.span.until", end=format_time(end.time()))
    if end >= day_end + timedelta(days=1):
        return _("hours.span.from", start=format_time(start.time()))
    return _("hours.span", start=format_time(start.time()), end=format_time(end.time()))
