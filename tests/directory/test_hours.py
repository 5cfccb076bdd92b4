from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import bot.wording as wording
from bot.directory.hours import describe_hours, describe_week, format_time, validate_hours
from bot.settings import PROJECT_ROOT
from bot.wording import speaking

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def test_open_now_with_closing_time() -> None:
    hours = describe_hours("Mo-Fr 09:00-17:00", at("2026-01-12 10:00"), LONDON)  # a Monday
    assert (hours.open_now, hours.today, hours.closes_at, hours.next_open) == (
        True,
        "9am to 5pm",
        "5pm",
        None,
    )


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
    assert (hours.open_now, hours.today, hours.next_open, hours.closes_at) == (
        True,
        "Open 24 hours",
        None,
        None,
    )


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


def test_open_past_midnight_and_until_midnight() -> None:
    assert describe_hours("Fr 22:00-24:00; Sa 00:00-24:00", at("2026-01-09 21:00")).today == "from 10pm"
    late = describe_hours("Mo-Fr 09:00-24:00", at("2026-01-12 10:00"))
    assert (late.today, late.closes_at) == ("9am to midnight", "midnight")


def test_three_spans_are_a_list() -> None:
    hours = describe_hours("Mo-Fr 08:00-10:00,12:00-13:00,16:30-18:00", at("2026-01-12 11:00"))
    assert hours.today == "8am to 10am, 12pm to 1pm and 4:30pm to 6pm"


def test_format_time() -> None:
    assert [format_time(t) for t in (time(9), time(9, 30), time(12), time(0), time(17, 5))] == [
        "9am",
        "9:30am",
        "12pm",
        "midnight",
        "5:05pm",
    ]


def test_validate_hours() -> None:
    assert validate_hours("Mo-Fr 09:00-17:00; PH off") is None
    assert validate_hours("Mondays 9-5")


# ---------- a usual week in words (CONTACT_HOURS) ----------

A_WEDNESDAY = at("2026-01-14 12:00")


@pytest.mark.parametrize(
    "expr, words",
    [
        ("Mo-Fr 09:00-17:00", "Monday to Friday, 9am to 5pm"),
        ("Mo-Th 09:00-17:00; Fr 09:00-16:30", "Monday to Thursday, 9am to 5pm; Friday, 9am to 4:30pm"),
        (
            "Mo-Fr 09:00-12:30,13:30-17:00; Sa 10:00-12:00",
            "Monday to Friday, 9am to 12:30pm and 1:30pm to 5pm; Saturday, 10am to 12pm",
        ),
        (
            "Mo,We,Fr 10:00-17:00; Tu,Th 13:00-18:00",
            "Monday, Wednesday and Friday, 10am to 5pm; Tuesday and Thursday, 1pm to 6pm",
        ),
        ("Sa,Su 10:00-16:00", "Saturday and Sunday, 10am to 4pm"),
        ("Mo-Su 08:00-20:00", "every day, 8am to 8pm"),
        ("24/7", "every day, 24 hours"),
        ("Fr 22:00-02:00", "Friday, 10pm to 2am"),
        ("Mo-Fr 09:00-24:00", "Monday to Friday, 9am to midnight"),
        ("Mo-Fr 09:00-17:00; Sa unknown", "Monday to Friday, 9am to 5pm"),
    ],
)
def test_a_week_in_words(expr: str, words: str) -> None:
    assert describe_week(expr, A_WEDNESDAY) == words


def test_a_week_with_a_bank_holiday_is_not_the_usual_week() -> None:
    """Christmas week 2026 (Friday 25th) and the next (Monday 28th) have bank holidays: no day dropped."""
    assert (
        describe_week("Mo-Fr 09:00-17:00; PH off", at("2026-12-23 10:00")) == "Monday to Friday, 9am to 5pm"
    )


@pytest.mark.parametrize(
    "expr", [None, "", "  ", "Monday to Friday, 9am to 5pm", "Weekdays, 9am to 5pm", "9-5 Mon-Fri", "off"]
)
def test_a_week_from_free_text_or_no_opening_is_none(expr: str | None) -> None:
    assert describe_week(expr, A_WEDNESDAY) is None


@pytest.mark.parametrize(
    "language, expr, words",
    [
        ("pl", "Mo-Fr 09:00-17:00", "poniedziałek–piątek, od 09:00 do 17:00"),
        (
            "pl",
            "Mo-Th 09:00-17:00; Fr 09:00-16:30",
            "poniedziałek–czwartek, od 09:00 do 17:00; piątek, od 09:00 do 16:30",
        ),
        (
            "pl",
            "Mo-Fr 09:00-12:30,13:30-17:00; Sa 10:00-12:00",
            "poniedziałek–piątek, od 09:00 do 12:30 i od 13:30 do 17:00; sobota, od 10:00 do 12:00",
        ),
        ("pl", "Sa,Su 10:00-16:00", "sobota i niedziela, od 10:00 do 16:00"),
        ("pl", "24/7", "codziennie, całą dobę"),
        ("cy", "Mo-Fr 09:00-17:00", "Dydd Llun – Dydd Gwener, 9AM i 5PM"),
        (
            "cy",
            "Mo-Th 09:00-17:00; Fr 09:00-16:30",
            "Dydd Llun – Dydd Iau, 9AM i 5PM; Dydd Gwener, 9AM i 4:30PM",
        ),
        ("cy", "Mo-Su 08:00-20:00", "bob dydd, 8AM i 8PM"),
        ("uk", "Mo-Fr 09:00-17:00", "понеділок–пʼятниця, з 09:00 до 17:00"),
        ("ar", "Mo-Fr 09:00-17:00", "من الاثنين إلى الجمعة، من 9 ص إلى 5 م"),
        ("pt", "Mo-Fr 09:00-17:00", "de segunda-feira a sexta-feira, das 9h às 17h"),
    ],
)
def test_a_week_in_the_language_being_spoken(language: str, expr: str, words: str) -> None:
    """Day names from Babel for the language, the joining words from its catalogue (drafts, not reviewed)."""
    with speaking(language):
        assert describe_week(expr, A_WEDNESDAY) == words


def test_hours_today_are_in_the_language_being_spoken() -> None:
    """Times, day names and lists follow the conversation's language, not English's locale."""
    with speaking("ur"):
        urdu = describe_hours("Mo-Fr 09:00-17:00", at("2026-01-12 10:00")).today
    assert "صبح" in urdu and "morning" not in urdu
    with speaking("pl"):
        polish = describe_hours("Mo 10:00-12:00", at("2026-01-09 18:00")).next_open
        split = describe_hours("Mo-Fr 10:00-13:00,14:00-16:00", at("2026-01-09 13:30")).today
    assert polish is not None and "poniedziałek" in polish and "Monday" not in polish
    assert split == "od 10:00 do 13:00 i od 14:00 do 16:00"


GERMAN_PO = """msgid ""
msgstr ""
"Language: de\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgid "hours.span"
msgstr "{start} bis {end}"

msgid "hours.span.until"
msgstr "bis {end}"

msgid "hours.span.from"
msgstr "ab {start}"

msgid "hours.today.always"
msgstr "Rund um die Uhr geöffnet"

msgid "hours.today.closed"
msgstr "Heute geschlossen"

msgid "hours.today.unknown"
msgstr "Öffnungszeiten unbekannt"

msgid "hours.today.unknown_today"
msgstr "Öffnungszeiten heute unbekannt"

msgid "hours.opens"
msgstr "Öffnet {day} um {time}"

msgid "hours.day.today"
msgstr "heute"

msgid "hours.day.tomorrow"
msgstr "morgen"

msgid "hours.date"
msgstr "EEEE, d. MMMM"

msgid "hours.time.hour"
msgstr "H 'Uhr'"

msgid "hours.time.minutes"
msgstr "H:mm 'Uhr'"

msgid "hours.midnight"
msgstr "Mitternacht"
"""


@pytest.fixture()
def german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default catalogue replaced by a German one: what a translated .po file would give."""
    po = tmp_path / "signpost.po"
    po.write_text(GERMAN_PO, encoding="utf-8")
    english = wording.catalogue("en")
    translations, locale, keys, plurals = wording._read(po, english.translations)
    catalogue = wording.Catalogue(
        "de", locale, translations, keys | english.keys, plurals | english.plural_keys
    )
    monkeypatch.setattr(wording, "catalogue", lambda language="de": catalogue)


@pytest.mark.usefixtures("german")
def test_another_language_needs_only_its_catalogue() -> None:
    """Every phrase, time, day name, date and list comes from the catalogue and Babel, none from code."""
    split = describe_hours("Mo-Fr 10:00-13:00,14:00-16:00", at("2026-01-09 13:30"))
    assert (split.today, split.next_open) == (
        "10 Uhr bis 13 Uhr und 14 Uhr bis 16 Uhr",
        "Öffnet heute um 14 Uhr",
    )
    assert describe_hours("Mo-Fr 09:00-17:00", at("2026-01-12 18:00")).next_open == "Öffnet morgen um 9 Uhr"
    weekend = describe_hours("Mo 10:00-12:00", at("2026-01-09 18:00"))
    assert (weekend.today, weekend.next_open) == ("Heute geschlossen", "Öffnet Montag um 10 Uhr")
    far = describe_hours("Dec 24 10:00-12:00", at("2026-12-01 10:00"))
    assert far.next_open == "Öffnet Donnerstag, 24. Dezember um 10 Uhr"
    assert describe_hours("Fr 22:00-02:00", at("2026-01-10 01:30")).today == "bis 2 Uhr"
    assert describe_hours("Fr 22:00-24:00; Sa 00:00-24:00", at("2026-01-09 21:00")).today == "ab 22 Uhr"
    assert describe_hours("Mo-Fr 09:30-24:00", at("2026-01-12 10:00")).today == "9:30 Uhr bis Mitternacht"
    assert describe_hours("24/7", at("2026-03-01 03:00")).today == "Rund um die Uhr geöffnet"
    assert describe_hours(None).today == "Öffnungszeiten unbekannt"
    assert (
        describe_hours("Mo-Fr 09:00-17:00; Sa unknown", at("2026-01-10 11:00")).today
        == "Öffnungszeiten heute unbekannt"
    )


FRAMEWORKS = (
    "rasa",
    "rasa_sdk",
    "telegram",
    "aiohttp",
    "sanic",
    "starlette",
    "fastapi",
    "flask",
    "jinja2",
    "actions",
    "bot.web",
    "bot.telegram",
    "bot.channels",
    "bot.staff",
)


def test_the_directory_imports_no_conversation_or_channel_code() -> None:
    """bot.directory is used by loaders and the staff console too.

    It must not pull in Rasa, Telegram or the web.
    """
    script = (
        "import importlib, json, pkgutil, sys, bot.directory\n"
        "for m in pkgutil.iter_modules(bot.directory.__path__):\n"
        "    importlib.import_module('bot.directory.' + m.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    loaded = json.loads(done.stdout)
    assert "bot.directory.hours" in loaded and "bot.wording" in loaded
    assert [m for m in loaded if m.split(".")[0] in FRAMEWORKS or m.startswith(FRAMEWORKS)] == []
