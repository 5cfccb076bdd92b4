"""Access and language needs in a resident's own words -> directory filters.

The NLU tells us *that* a message states an access need (intent
``access_needs``); this module works out *which* one, with plain keyword
rules, so the search can keep only places that meet it. The filter names are
the accessibility vocabulary and ISO 639-1 codes of the directory contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (pattern, accessibility feature). Patterns match whole words in lower case.
_FEATURES: tuple[tuple[str, str], ...] = (
    (r"wheel ?chairs?|mobility|scooter|zimmer|walking (frame|stick)|cant walk|can't walk"
     r"|step ?free|no steps|stairs|disabled access|ramp", "wheelchair"),
    (r"deaf|hearing|hard of hear\w*|hearing aids?|loop", "hearing_loop"),
    (r"blind|screen ?reader|talking computer", "screen_reader"),
    (r"(cant|can't|cannot|can not) see|eyesight|sight|partially sighted|visually impaired"
     r"|large print|big (writing|letters|text)|glasses", "large_print"),
    (r"toilets?|loo", "accessible_toilet"),
    (r"quiet|anxious|anxiety|autis\w*|noisy|noise|busy places|crowds?", "quiet_space"),
)

# Language names residents use -> ISO 639-1 code.
LANGUAGES: dict[str, str] = {
    "albanian": "sq", "arabic": "ar", "bengali": "bn", "bangla": "bn", "bulgarian": "bg",
    "cantonese": "zh", "chinese": "zh", "mandarin": "zh", "czech": "cs", "farsi": "fa",
    "persian": "fa", "french": "fr", "german": "de", "greek": "el", "gujarati": "gu",
    "hindi": "hi", "hungarian": "hu", "italian": "it", "kurdish": "ku", "latvian": "lv",
    "lithuanian": "lt", "pashto": "ps", "polish": "pl", "portuguese": "pt", "punjabi": "pa",
    "romanian": "ro", "russian": "ru", "slovak": "sk", "somali": "so", "spanish": "es",
    "tamil": "ta", "tigrinya": "ti", "turkish": "tr", "ukrainian": "uk", "urdu": "ur",
    "welsh": "cy",
}

FEATURE_WORDS: dict[str, str] = {
    "wheelchair": "step-free access",
    "hearing_loop": "a hearing loop",
    "screen_reader": "a screen reader",
    "large_print": "large print",
    "accessible_toilet": "an accessible toilet",
    "quiet_space": "a quiet space",
}


@dataclass(frozen=True)
class AccessNeeds:
    accessibility: tuple[str, ...]
    languages: tuple[str, ...]
    mentions_english: bool  # "English is not my first language" with no language named


def access_needs_in(text: str) -> AccessNeeds:
    """The access features and languages a message asks for."""
    lowered = text.lower()
    features = tuple(
        feature for pattern, feature in _FEATURES if re.search(rf"\b(?:{pattern})\b", lowered)
    )
    words = set(re.findall(r"[a-z]+", lowered))
    languages = tuple(sorted({code for name, code in LANGUAGES.items() if name in words}))
    return AccessNeeds(features, languages, "english" in words and not languages)


def describe(accessibility: tuple[str, ...] | list[str]) -> str:
    """Plain words for a list of features: "step-free access and a hearing loop"."""
    words = [FEATURE_WORDS.get(f, f.replace("_", " ")) for f in accessibility]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
