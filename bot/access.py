"""A resident's own words -> directory filters: access and language needs, course level.

The NLU tells us *that* a message states an access need (intent
``access_needs``) or asks for classes (``find_course``); this module works
out *which* need or level, with plain keyword rules, so the search can keep
only places and courses that fit. The filter names are the accessibility
vocabulary, ISO 639-1 codes and course levels of the directory contract.
How a filter is said back to the resident is wording (actions/formatting.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (pattern, accessibility feature). Patterns match whole words in lower case.
_FEATURES: tuple[tuple[str, str], ...] = (
    (
        r"wheel ?chairs?|mobility|scooter|zimmer|walking (frame|stick)|cant walk|can't walk"
        r"|step ?free|no steps|stairs|disabled access|ramp",
        "wheelchair",
    ),
    (r"deaf|hearing|hard of hear\w*|hearing aids?|loop", "hearing_loop"),
    (r"blind|screen ?reader|talking computer", "screen_reader"),
    (
        r"(cant|can't|cannot|can not) see|eyesight|sight|partially sighted|visually impaired"
        r"|large print|big (writing|letters|text)|glasses",
        "large_print",
    ),
    (r"toilets?|loo", "accessible_toilet"),
    (r"quiet|anxious|anxiety|autis\w*|noisy|noise|busy places|crowds?", "quiet_space"),
)

# Language names residents use -> ISO 639-1 code.
LANGUAGES: dict[str, str] = {
    "albanian": "sq",
    "arabic": "ar",
    "bengali": "bn",
    "bangla": "bn",
    "bulgarian": "bg",
    "cantonese": "zh",
    "chinese": "zh",
    "mandarin": "zh",
    "czech": "cs",
    "farsi": "fa",
    "persian": "fa",
    "french": "fr",
    "german": "de",
    "greek": "el",
    "gujarati": "gu",
    "hindi": "hi",
    "hungarian": "hu",
    "italian": "it",
    "kurdish": "ku",
    "latvian": "lv",
    "lithuanian": "lt",
    "pashto": "ps",
    "polish": "pl",
    "portuguese": "pt",
    "punjabi": "pa",
    "romanian": "ro",
    "russian": "ru",
    "slovak": "sk",
    "somali": "so",
    "spanish": "es",
    "tamil": "ta",
    "tigrinya": "ti",
    "turkish": "tr",
    "ukrainian": "uk",
    "urdu": "ur",
    "welsh": "cy",
}

# (pattern, course level), improver first: "I know the basics" is not a beginner.
_LEVELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(improvers?|intermediate|advanced|know the basics|more confident)\b", re.I), "improver"),
    (re.compile(r"\b(beginners?|basics?|never used|new to|starting out|from scratch)\b", re.I), "beginner"),
)


@dataclass(frozen=True)
class AccessNeeds:
    accessibility: tuple[str, ...]
    languages: tuple[str, ...]
    mentions_english: bool  # "English is not my first language" with no language named


def access_needs_in(text: str) -> AccessNeeds:
    """The access features and languages a message asks for."""
    lowered = text.lower()
    features = tuple(feature for pattern, feature in _FEATURES if re.search(rf"\b(?:{pattern})\b", lowered))
    words = set(re.findall(r"[a-z]+", lowered))
    languages = tuple(sorted({code for name, code in LANGUAGES.items() if name in words}))
    return AccessNeeds(features, languages, "english" in words and not languages)


def course_level_in(text: str) -> str | None:
    """The course level a resident asks for in their own words, if any."""
    return next((level for pattern, level in _LEVELS if pattern.search(text)), None)
