"""The "call us" sentence: CONTACT_HOURS in opening_hours syntax is said in the resident's language."""

from __future__ import annotations

import pytest

from bot.contact import apology, contact_text
from bot.settings import load
from bot.wording import speaking


def test_the_default_hours_read_as_they_always_have_in_english() -> None:
    assert load({}).contact_hours == "Mo-Fr 09:00-17:00"
    assert contact_text(load({})) == (
        "You can call Norwich City Council on 0344 980 3333. They are open Monday to Friday, 9am to 5pm."
    )


def test_polish_answers_have_polish_days_and_times() -> None:
    settings = load({"CONTACT_HOURS": "Mo-Th 09:00-17:00; Fr 09:00-16:30"})
    with speaking("pl"):
        text = contact_text(settings)
        sorry = apology(settings)
    assert "poniedziałek–czwartek, od 09:00 do 17:00; piątek, od 09:00 do 16:30" in text
    assert "Monday" not in text and "Mo-Th" not in text and "9am" not in text
    assert text in sorry


def test_welsh_answers_have_welsh_days() -> None:
    with speaking("cy"):
        text = contact_text(load({}))
    assert "Dydd Llun – Dydd Gwener" in text and "Monday" not in text


@pytest.mark.parametrize("language", ["en", "pl", "ar"])
def test_free_text_hours_are_said_as_written(language: str) -> None:
    """Older settings hold words, not syntax: they keep working, in every language, unchanged."""
    settings = load({"CONTACT_HOURS": "Monday to Friday, 9am to 5pm (not bank holidays)"})
    with speaking(language):
        assert "Monday to Friday, 9am to 5pm (not bank holidays)" in contact_text(settings)
