"""UK postcode format: validation, normalisation and finding postcodes in text.

Only the *format* is checked here (plus the fixed list of postcode areas); a
well-formed postcode may still not exist, which only a geocoder can tell.

Free-text choice: full postcodes ("NR2 4EE", "nr24ee") are always accepted.
Outward codes on their own ("NR2") are ambiguous in chat, so in free text they
are accepted only when the area is a real postcode area and, for lower-case
text, the area has two letters ("nr2", "bs1"). Lower-case one-letter areas
("b4", "m8", "e2", "l8") and a few text-speak tokens ("me2") are ignored
because residents write them as words; in capitals ("B4", "M8") they count.
Callers may also pass ``known_outcodes`` to accept only outcodes that exist.
"""

from __future__ import annotations

import re
from typing import Container

# The 121 geographic postcode areas of the UK, Channel Islands and Isle of Man.
POSTCODE_AREAS: frozenset[str] = frozenset(
    """AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE
    DG DH DL DN DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG
    IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR
    NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST
    SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE""".split()
)

# Outward code shapes: A9, A99, AA9, AA99, A9A, AA9A (letters per Royal Mail rules).
_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_FULL_RE = re.compile(rf"^({_OUTWARD})({_INWARD})$")
_OUTWARD_RE = re.compile(rf"^{_OUTWARD}$")
_GIR = "GIR0AA"
# In text: a full postcode (optional spaces between the halves) or an outward code alone.
_TEXT_RE = re.compile(
    rf"(?<![A-Za-z0-9])(?:(GIR[ \t]*0AA)|({_OUTWARD})(?:[ \t]*({_INWARD}))?)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_TEXT_SPEAK = frozenset({"me2", "me4"})


def _area(outward: str) -> str:
    return re.match(r"[A-Z]+", outward).group(0)  # type: ignore[union-attr]  # outward codes start with letters


def normalise_postcode(text: str) -> str | None:
    """Canonical "NR2 4EE" or "NR2" for a full or outward code, else None."""
    compact = re.sub(r"\s+", "", text or "").upper()
    if compact == _GIR:
        return "GIR 0AA"
    match = _FULL_RE.match(compact)
    if match:
        outward, inward = match.groups()
        return f"{outward} {inward}" if _area(outward) in POSTCODE_AREAS else None
    if _OUTWARD_RE.match(compact) and _area(compact) in POSTCODE_AREAS:
        return compact
    return None


def is_full_postcode(postcode: str) -> bool:
    """True for a canonical full postcode (with an inward code)."""
    normalised = normalise_postcode(postcode)
    return normalised is not None and " " in normalised


def outcode_of(postcode: str) -> str:
    """Outward code of a full or outward postcode ("NR2 4EE" -> "NR2").

    Raises ValueError when the text is not a UK postcode, because a caller
    asking for the outcode must already hold a valid one.
    """
    normalised = normalise_postcode(postcode)
    if normalised is None:
        raise ValueError(f"not a UK postcode: {postcode!r}")
    return normalised.split(" ")[0]


def find_postcodes(text: str, known_outcodes: Container[str] | None = None) -> list[tuple[int, int, str]]:
    """Postcodes in free text as (start, end, normalised), in order of appearance."""
    found: list[tuple[int, int, str]] = []
    for match in _TEXT_RE.finditer(text):
        gir, outward, inward = match.groups()
        if gir:
            found.append((match.start(), match.end(), "GIR 0AA"))
            continue
        out_upper = outward.upper()
        if _area(out_upper) not in POSTCODE_AREAS:
            continue
        if inward:
            found.append((match.start(), match.end(), f"{out_upper} {inward.upper()}"))
            continue
        if outward != out_upper:  # not written in capitals
            if len(_area(out_upper)) == 1 or outward.lower() in _TEXT_SPEAK:
                continue
        if known_outcodes is not None and out_upper not in known_outcodes:
            continue
        found.append((match.start(), match.end(), out_upper))
    return found


# Shaped like a full postcode but not a valid one ("ZZ99 9ZZ", "NR2 4CI"): worth
# telling the resident "I could not find that" instead of ignoring it.
_LOOKALIKE_RE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{1,2}[0-9][A-Za-z0-9]?[ \t]*[0-9][A-Za-z]{2}(?![A-Za-z0-9])"
)


def find_postcode_lookalikes(text: str) -> list[tuple[int, int, str]]:
    """Full-postcode-shaped strings that are not valid postcodes, as (start, end, upper-cased)."""
    valid = {(start, end) for start, end, _ in find_postcodes(text)}
    return [
        (m.start(), m.end(), re.sub(r"\s+", " ", m.group(0).upper()))
        for m in _LOOKALIKE_RE.finditer(text)
        if (m.start(), m.end()) not in valid and normalise_postcode(m.group(0)) is None
    ]
