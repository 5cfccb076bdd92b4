"""The text a resident gets from "Text me this": the code, and the places with their hours for the week.

A text is read later, on the way, so it says when each place opens on each
day of the coming week rather than "open now". Every word is a catalogue
message (``sms.``, ``hub.``, ``hours.``); the places' names and addresses
stay as the directory writes them.

GOV.UK Notify takes at most 918 characters (six text messages): places that
would not fit are left out, the nearest kept first.

The mobile number is checked here too (``uk_mobile``), with the phonenumbers
library, and is never kept: it is returned for the one send and nothing else.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Dict, Iterable, List, Optional, Sequence
from zoneinfo import ZoneInfo

import phonenumbers
from babel.dates import format_date

from bot.directory.hours import days_text, describe_hours
from bot.directory.search import HubResult
from bot.wording import _, current

MAX_LENGTH = 918  # GOV.UK Notify's limit for one text
MAX_NUMBER_LENGTH = 40  # longer than any way of writing a phone number
UK = 44


def uk_mobile(text: object) -> Optional[str]:
    """The number in international form ("+447400123456") if ``text`` is a UK mobile number, else None."""
    if not isinstance(text, str) or len(text) > MAX_NUMBER_LENGTH:
        return None
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    is_mobile = phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    if number.country_code != UK or not is_mobile or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def week_hours(hub: HubResult, today: date, tz: str) -> List[str]:
    """ "Mon to Fri: 9am to 5pm" lines for the coming seven days, days with the same hours on one line."""
    if not hub.hours.known or not hub.opening_hours:
        return [_("hours.unknown")]
    zone = ZoneInfo(tz)
    closed = _("hours.today.closed")
    days_by_hours: Dict[str, List[int]] = {}  # in the order of their first weekday
    for ahead in sorted(range(7), key=lambda n: (today + timedelta(days=n)).weekday()):
        day = today + timedelta(days=ahead)
        said = describe_hours(hub.opening_hours, datetime.combine(day, time(12), tzinfo=zone), zone).today
        days_by_hours.setdefault(_("sms.closed") if said == closed else said, []).append(day.weekday())
    return [
        _("sms.day_hours", days=_days(weekdays), hours=hours) for hours, weekdays in days_by_hours.items()
    ]


def _days(weekdays: List[int]) -> str:
    """ "Mon to Fri", "Mon, Wed and Fri", "Sat": runs of three or more days as a span."""
    return days_text(weekdays, "abbreviated", lambda first, last: _("sms.days", first=first, last=last))


def place_lines(hub: HubResult, today: date, tz: str) -> Iterable[str]:
    yield hub.name
    yield _("hub.address", address=hub.address, postcode=hub.postcode)
    if hub.phone:
        yield _("hub.phone", phone=hub.phone)
    yield from week_hours(hub, today, tz)


def compose(
    code: str,
    hubs: Sequence[HubResult],
    expires: date,
    today: Optional[date] = None,
    tz: str = "Europe/London",
) -> str:
    """The whole text: the code and until when it is good, then each place that fits in one text."""
    today = today or datetime.now(ZoneInfo(tz)).date()
    until = format_date(expires, _("sms.date"), locale=current().locale)
    text = _("sms.intro", code=code, day=until)
    for hub in hubs:
        longer = text + "\n\n" + "\n".join(place_lines(hub, today, tz))
        if len(longer) > MAX_LENGTH:
            break
        text = longer
    return text
