"""Opening hours in residents' words ("9am to 5pm", "Opens Monday at 10am", "Monday to Friday, ...").

Parsing and calendar rules (bank holidays via ``PH``, times past midnight)
are left to the ``opening_hours`` library with country GB; this module only
words the answer. The words are the catalogue's ``hours.`` messages, and
times, day names and dates are written by Babel for the locale of the
language being spoken (``bot.wording.speaking``; docs/wording.md), so another
language needs only its translated .po file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache, reduce
from typing import Callable, Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from babel.dates import format_time as babel_time
from opening_hours import (  # type: ignore[attr-defined]  # the stub lacks ParserError
    OpeningHours,
    ParserError,
    State,
)

from bot.wording import _, current

_LOOKAHEAD_DAYS = 60
_USUAL_WEEK_SEARCH = 8  # weeks looked through for one without a bank holiday
_DAY_MINUTES = 24 * 60

Span = tuple[int, int]  # minutes from the day's midnight; the end may pass 24:00 (1440) into the next day


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
    return babel_time(moment, pattern, locale=current().locale)


def _day_phrase(day: date, today: date) -> str:
    """today, tomorrow, Monday (this week), or Thursday 24 December (further ahead)."""
    locale = current().locale
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
        today_text = current().join(_span_text(s, e, midnight, day_end) for s, e in spans)
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


def describe_week(
    expr: str | None, now: datetime | None = None, tz: str | tzinfo = "Europe/London"
) -> str | None:
    """A usual week's hours in words, in the language being spoken: "Monday to Thursday, 9am to 5pm;
    Friday, 9am to 4:30pm". None when ``expr`` is not OSM opening_hours syntax or opens on no day,
    so a setting written as free text (CONTACT_HOURS) can be said as written instead.

    "Usual" is the first week from ``now``'s on with no bank holiday, so "PH off" drops no day.
    Days with the same hours are said once ("Monday, Wednesday and Friday"), runs of three or more
    as a range, all seven as "every day".
    """
    if not expr or not expr.strip():
        return None
    zone = _zone(tz)
    try:
        hours = parse_hours(expr.strip(), str(zone.key))
    except (ParserError, SyntaxError, ValueError):
        return None
    now = datetime.now(zone) if now is None else now
    today = now.astimezone(zone).date() if now.tzinfo is not None else now.date()
    by_hours: dict[tuple[Span, ...], list[int]] = {}  # in the order of their first weekday
    for weekday, spans in enumerate(_week_spans(hours, _usual_monday(today, zone), zone)):
        if spans:
            by_hours.setdefault(tuple(spans), []).append(weekday)
    if not by_hours:
        return None
    lines = [
        _("hours.week.day_times", days=_days_text(weekdays), times=_times_text(spans))
        for spans, weekdays in by_hours.items()
    ]
    return reduce(lambda earlier, later: _("hours.week.then", earlier=earlier, later=later), lines)


def _usual_monday(today: date, zone: ZoneInfo) -> date:
    """The Monday of this week, or of the first of the next weeks with no bank holiday in it."""
    holidays = parse_hours("PH", str(zone.key))
    monday = today - timedelta(days=today.weekday())
    for weeks in range(_USUAL_WEEK_SEARCH):
        start = datetime.combine(monday + timedelta(weeks=weeks), time(0), tzinfo=zone)
        states = [state for _start, _end, state, _c in holidays.intervals(start, start + timedelta(days=7))]
        if State.OPEN not in states:
            return start.date()
    return monday


def _day_spans(hours: OpeningHours, day: date, zone: ZoneInfo) -> list[Span]:
    """The day's open spans, cut at its midnights (unknown counts as not open)."""
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    spans: list[Span] = []
    for start, end, state, _comment in hours.intervals(midnight, midnight + timedelta(days=1)):
        if state != State.OPEN:
            continue
        first, last = _minute_of(start, day, zone), _minute_of(end, day, zone)
        if spans and spans[-1][1] == first:
            spans[-1] = (spans[-1][0], last)
        else:
            spans.append((first, last))
    return spans


def _minute_of(moment: datetime, day: date, zone: ZoneInfo) -> int:
    local = moment.astimezone(zone)
    return _DAY_MINUTES if local.date() > day else local.hour * 60 + local.minute


def _week_spans(hours: OpeningHours, monday: date, zone: ZoneInfo) -> list[list[Span]]:
    """Monday to Sunday's spans; one running past midnight ("Fr 22:00-02:00") belongs to the day it starts."""
    days = [_day_spans(hours, monday + timedelta(days=n), zone) for n in range(-1, 8)]

    def runs_on(spans: list[Span]) -> bool:  # opened that day and still open at its end
        return bool(spans) and spans[-1][1] == _DAY_MINUTES and spans[-1][0] > 0

    def ran_on(spans: list[Span]) -> bool:  # open from midnight for part of the day only
        return bool(spans) and spans[0][0] == 0 and spans[0][1] < _DAY_MINUTES

    week: list[list[Span]] = []
    for n in range(1, 8):
        spans = list(days[n])
        if runs_on(days[n - 1]) and ran_on(spans):
            spans = spans[1:]
        if runs_on(days[n]) and ran_on(days[n + 1]):
            spans[-1] = (spans[-1][0], _DAY_MINUTES + days[n + 1][0][1])
        week.append(spans)
    return week


def _days_text(weekdays: list[int]) -> str:
    """ "every day", "Monday to Friday", "Saturday and Sunday", "Monday, Wednesday and Friday"."""
    if len(weekdays) == 7:
        return _("hours.week.every_day")
    return days_text(weekdays, "wide", lambda first, last: _("hours.week.days_range", first=first, last=last))


def days_text(
    weekdays: list[int], width: Literal["abbreviated", "wide"], span: Callable[[str, str], str]
) -> str:
    """Days (0 is Monday) in the language being spoken, Babel's ``width`` of day name: runs of three
    or more as one ``span(first, last)`` ("Monday to Friday"), the rest listed."""
    names = get_day_names(width, locale=current().locale)
    runs: list[list[int]] = []
    for weekday in weekdays:
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(span(names[run[0]], names[run[-1]]))
        else:
            parts.extend(str(names[weekday]) for weekday in run)
    return current().join(parts)


def _times_text(spans: tuple[Span, ...]) -> str:
    """ "9am to 5pm", "9am to 12:30pm and 1:30pm to 5pm", "10pm to 2am", "24 hours"."""
    if spans == ((0, _DAY_MINUTES),):
        return _("hours.week.all_day")
    return current().join(_("hours.span", start=_clock(first), end=_clock(last)) for first, last in spans)


def _clock(minute: int) -> str:
    return format_time(time((minute // 60) % 24, minute % 60))
