from __future__ import annotations

import pytest

from bot.geo.postcodes import find_postcodes, is_full_postcode, normalise_postcode, outcode_of

TYPED = {  # as a resident might type it: as it is written
    "nr24ee": "NR2 4EE",
    "NR2  4EE": "NR2 4EE",
    " nr2 4ee ": "NR2 4EE",
    "nr2": "NR2",
    "sw1a1aa": "SW1A 1AA",
    "gir 0aa": "GIR 0AA",
}
ALREADY_NORMAL = ["NR24", "W1A 0AX", "EC1A 1BB", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "BS1"]


@pytest.mark.parametrize(
    ("text", "expected"), [*TYPED.items(), *((postcode, postcode) for postcode in ALREADY_NORMAL)]
)
def test_valid_formats_are_normalised(text: str, expected: str) -> None:
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "hello", "25", "QQ1 1AA", "NR2 4CE", "NR2 44E", "XX1 1AA", "NR2 4EEE", "1NR 4EE", "ZZ99 9ZZ"],
)
def test_invalid_formats_are_rejected(text: str) -> None:
    assert normalise_postcode(text) is None


def test_outcode_of() -> None:
    assert outcode_of("nr2 4ee") == "NR2"
    assert outcode_of("SW1A1AA") == "SW1A"
    assert outcode_of("nr3") == "NR3"
    with pytest.raises(ValueError):
        outcode_of("not a postcode")


def test_is_full_postcode() -> None:
    assert is_full_postcode("nr24ee")
    assert not is_full_postcode("NR2")


def test_find_full_and_outward_postcodes_with_offsets() -> None:
    text = "I live at nr2 4ee, near NR3. Also NR24EE!"
    found = find_postcodes(text)
    assert [p for _, _, p in found] == ["NR2 4EE", "NR3", "NR2 4EE"]
    for start, end, _ in found:
        assert text[start:end].replace(" ", "").upper() in {"NR24EE", "NR3"}


def test_lower_case_two_letter_outcodes_are_found() -> None:
    assert [p for _, _, p in find_postcodes("i'm in nr2 or bs1")] == ["NR2", "BS1"]


@pytest.mark.parametrize(
    "text",
    [
        "i am 25",
        "see you b4 lunch",
        "gr8 thanks m8",
        "c u l8r",
        "me2",
        "call me 2moro",
        "room 101",
        "it's 4pm",
        "a1 service",
    ],
)
def test_text_speak_and_numbers_are_not_postcodes(text: str) -> None:
    assert find_postcodes(text) == []


def test_single_letter_outcodes_count_in_capitals() -> None:
    assert [p for _, _, p in find_postcodes("I'm in B4 near the centre")] == ["B4"]


def test_known_outcodes_filter_outward_codes_only() -> None:
    known = {"NR2", "NR3"}
    found = find_postcodes("M25 traffic, NR3 and SW1A 1AA", known_outcodes=known)
    assert [p for _, _, p in found] == ["NR3", "SW1A 1AA"]


def test_postcode_inside_a_word_is_not_found() -> None:
    assert find_postcodes("abcNR2 4EEdef") == []


def test_lookalikes_are_found_but_valid_postcodes_are_not() -> None:
    from bot.geo.postcodes import find_postcode_lookalikes

    assert find_postcode_lookalikes("my postcode is zz99 9zz") == [(15, 23, "ZZ99 9ZZ")]
    assert find_postcode_lookalikes("NR2 4EE and nr3 2ab") == []
    assert find_postcode_lookalikes("i am 25 and b4 i had a laptop") == []
