"""Referral codes: the alphabet, the shape, and reading back what people type."""

from __future__ import annotations

import re

from bot.referrals import codes, outcomes


def test_the_alphabet_has_no_look_alikes() -> None:
    assert not set("0OQ1IL2Z5S8BG") & set(codes.ALPHABET)
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET) == 23


def test_new_codes_are_three_and_three_from_the_alphabet() -> None:
    drawn = {codes.new_code() for _ in range(500)}
    shape = re.compile(f"[{codes.ALPHABET}]{{3}}-[{codes.ALPHABET}]{{3}}")
    assert all(shape.fullmatch(c) for c in drawn)
    assert len(drawn) > 490  # random, not a counter or a constant


def test_what_people_type_is_read_back_as_the_stored_code() -> None:
    for typed in ("K7P-3QX".replace("Q", "R"), "k7p-3rx", " K7P 3RX ", "k7p3rx", "K-7-P-3-R-X"):
        assert codes.normalise(typed) == "K7P-3RX"
    for bad in ("K7P-3R", "K7P-3RXX", "K7P-3RO", "K0P-3RX", "", "AAA_AAA", "K7P-3R\u00e9"):
        assert codes.normalise(bad) is None
    assert codes.normalise(None) is None  # type: ignore[arg-type]


def test_outcomes_and_their_words() -> None:
    assert outcomes.OUTCOMES[-1] == "not_helped" and len(outcomes.OUTCOMES) == 8
    assert [o for o in outcomes.OUTCOMES if not outcomes.is_helped(o)] == ["not_helped"]
    assert not outcomes.is_helped("made_up")
    assert list(outcomes.labels()) == list(outcomes.OUTCOMES)
    assert outcomes.label("free_sim_given") == "Free SIM given"
    assert all(outcomes.label(o) != o for o in outcomes.OUTCOMES)
