from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.directory.hours import describe_hours, format_time, validate_hours

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def test_open_now_with_closing_time() -> None:
    hours = describe_hours("Mo-Fr 09:00-17:00", at("2026-01-12 10:00"), LONDON)  # a Monday
    assert (hours.open_now, hours.today, hours.closes_at, hours.next_open) == (True, "9am to 5pm", "5pm", None)


def test_split_day_and_next_opening_today() -> None:
    hours = describe_hours("Mo-Fr 10:00-13:00,14:00-16:00", at("2026-01-09 13:30"), "Europe/London")
    assert hours.open_now is False
    assert hours.today == "10am to 1pm and 2pm to 4pm"
    assert hours.next_open == "Opens today at 2pm"


def test_opens_tomorrow_and_named_day() -> None:
    assert describe_hours("Mo-Fr 09:00-17:00", at("2026-01-12 18:00")).next_open == "Opens tomorrow at 9am"
    friday_evening = describe_hours("Mo 10:00-12:00", at("2026-01-09 18:00"))
    assert friday_evening.today == "Closed today"
    assert friday_evening.next_open == "Opens Monday at 10am"


def test_bank_holiday_is_closed() -> None:
    # Christmas Day 2026 is a Friday; Boxing Day's substitute bank holiday is Monday 28th.
    hours = describe_hours("Mo-Fr 09:00-17:00; PH off", at("2026-12-25 10:00"))
    assert (hours.open_now, hours.today) == (False, "Closed today")
    assert hours.next_open == "Opens Tuesday at 9am"


def test_after_midnight() -> None:
    friday = describe_hours("Fr 22:00-02:00", at("2026-01-09 23:00"))
    assert (friday.open_now, friday.today, friday.closes_at) == (True, "10pm to 2am", "2am")
    saturday_early = describe_hours("Fr 22:00-02:00", at("2026-01-10 01:30"))
    assert (saturday_early.open_now, saturday_early.today) == (True, "until 2am")
    saturday_late = describe_hours("Fr 22:00-02:00", at("2026-01-10 03:00"))
    assert saturday_late.open_now is False and saturday_late.next_open == "Opens Friday at 10pm"


@pytest.mark.parametrize("expr", ["24/7", "Mo-Su 00:00-24:00"])
def test_always_open(expr: str) -> None:
    hours = describe_hours(expr, at("2026-03-01 03:00"))
    assert (hours.open_now, hours.today, hours.next_open, hours.closes_at) == (True, "Open 24 hours", None, None)


@pytest.mark.parametrize("expr", [None, "", "   ", "not hours at all"])
def test_unknown_hours(expr: str | None) -> None:
    hours = describe_hours(expr, at("2026-03-02 10:00"))
    assert hours.open_now is None and not hours.known and hours.today == "Opening hours not known"


def test_explicitly_unknown_day() -> None:
    hours = describe_hours("Mo-Fr 09:00-17:00; Sa unknown", at("2026-01-10 11:00"))
    assert hours.open_now is None and hours.today == "Opening hours not known today"


def test_naive_now_is_local_time() -> None:
    assert describe_hours("Mo-Fr 09:00-17:00", datetime(2026, 7, 6, 9, 30)).open_now is True  # BST


def test_far_next_opening_has_a_date() -> None:
    hours = describe_hours("Dec 24 10:00-12:00", at("2026-12-01 10:00"))
    assert hours.next_open == "Opens Thursday 24 December at 10am"


def test_format_time() -> None:
    from datetime import time

    assert [format_time(t) for t in (time(9), time(9, 30), time(12), time(0), time(17, 5))] == ["9am", "9:30am", "12pm", "midnight", "5:05pm"]


def test_validate_hours() -> None:
    assert validate_hours("Mo-Fr 09:00-17:00; PH off") is None
    assert validate_hours("Mondays 9-5")
