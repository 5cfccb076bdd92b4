"""Which configured language a resident's message is written in, or None when it carries none.

The conversation's language is the language the resident writes in, kept for
messages that carry none ("ok", "NR5", a button). So this answers None rather
than guess: for button payloads, numbers, postcodes, links, emoji, names of UK
services typed alone ("NHS App", "council tax") and Latin-script messages of
fewer than three letters, and when the detector's confidence is below
``minimum_confidence``.

Why Lingua (lingua-language-detector, Apache-2.0): on tests/nlu/language_holdout.yml
(`make bench-language-id`) it was the most accurate of the packages that ship
their models in the wheel (nothing is downloaded at run time) on short messages
in all eight languages, Welsh included; py3langid, the named baseline there,
loses most on short Welsh. Detection is restricted to the configured languages, so
Cyrillic is Ukrainian and Arabic script is Arabic or Urdu.

Why the words are taken out first: residents mix in names of UK services and
loanwords that are spelt the same in every language ("Universal Credit",
"NHS App", "SIM", "WhatsApp"); left in, they pull a Polish or Welsh message
towards English. Place names are the caller's to pass as ``ignore`` spans (the
location extractor finds them); postcodes are found here.

Lingua's models load on the first call (about 0.7 s and 200 MB for the eight
languages), not at import.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from bot.geo.postcodes import find_postcode_lookalikes, find_postcodes

if TYPE_CHECKING:  # imported lazily, in _detector()
    from lingua import LanguageDetector

# The languages of the languages issue (ISO 639-1), in the order docs/languages.md lists them.
SUPPORTED = ("en", "cy", "pl", "ro", "uk", "ar", "ur", "pt")
DEFAULT_MINIMUM_CONFIDENCE = 0.5
# Fewer Latin letters than this carry no language ("ok", "k", "hi" is three).
MINIMUM_LATIN_LETTERS = 3

# Typed the same in every language here: names of UK services and products, and loanwords.
# Multi-word names first, so "nhs app" goes before "nhs" and "app".
NO_LANGUAGE_WORDS = (
    "universal credit",
    "council tax",
    "nhs app",
    "nhs",
    "uc",
    "app",
    "whatsapp",
    "facebook",
    "zoom",
    "google",
    "gmail",
    "iphone",
    "ipad",
    "android",
    "wifi",
    "wi-fi",
    "sms",
    "laptop",
    "email",
    "e-mail",
    "online",
    "cv",
    "ok",
    "okay",
    "k",
    "kk",
)
# Only in capitals: "sim" is Portuguese for "yes".
NO_LANGUAGE_CAPITALS = ("SIM",)


def _words_re(words: Sequence[str], flags: int = 0) -> "re.Pattern[str]":
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", flags)


_WORDS_RE = _words_re(NO_LANGUAGE_WORDS, re.IGNORECASE)
_CAPITALS_RE = _words_re(NO_LANGUAGE_CAPITALS)
_LINK_RE = re.compile(r"\S+://\S+|www\.\S+|\S+@\S+\.\S+")
# Digits, punctuation, symbols and emoji: everything but letters, marks and spaces.
_NOT_WORDS_RE = re.compile(r"[^\w\s'’-]|[\d_]")


def language_text(text: str, ignore: Iterable[Tuple[int, int]] = ()) -> str:
    """What is left of ``text`` to tell its language by: ``ignore`` spans, postcodes, links,
    numbers, symbols and the names in NO_LANGUAGE_WORDS removed ("" for a button payload)."""
    if text.lstrip().startswith("/"):
        return ""
    spans = list(ignore) + [(s, e) for s, e, _ in find_postcodes(text) + find_postcode_lookalikes(text)]
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    left = _LINK_RE.sub(" ", "".join(chars))
    left = _CAPITALS_RE.sub(" ", _WORDS_RE.sub(" ", left))
    left = _NOT_WORDS_RE.sub(" ", left)
    return " ".join(left.split())


def carries_language(left: str) -> bool:
    """False for what :func:`language_text` left when it has no letters, or fewer than
    MINIMUM_LATIN_LETTERS in the Latin alphabet ("ok", "k"). Other scripts tell their
    language in one letter here (Cyrillic is Ukrainian)."""
    letters = [c for c in left if c.isalpha()]
    if not letters:
        return False
    latin = all(unicodedata.name(c, "").startswith("LATIN") for c in letters)
    return not latin or len(letters) >= MINIMUM_LATIN_LETTERS


@lru_cache(maxsize=8)
def _detector(languages: Tuple[str, ...]) -> "LanguageDetector":
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    chosen = [Language.from_iso_code_639_1(IsoCode639_1.from_str(code)) for code in languages]
    return LanguageDetectorBuilder.from_languages(*chosen).build()


def _checked(languages: Iterable[str]) -> Tuple[str, ...]:
    codes = tuple(sorted({code.strip().lower() for code in languages if code.strip()}))
    unknown = [code for code in codes if code not in SUPPORTED]
    if unknown or not codes:
        raise ValueError(
            f"languages {', '.join(unknown) or '(none)'} not supported: choose from {', '.join(SUPPORTED)}"
        )
    return codes


def confidences(text: str, languages: Sequence[str]) -> List[Tuple[str, float]]:
    """Lingua's confidence per configured language for ``text`` as it is (no removal), highest first."""
    codes = _checked(languages)
    if len(codes) == 1:  # nothing to choose between (and Lingua needs two)
        return [(codes[0], 1.0)]
    values = _detector(codes).compute_language_confidence_values(text)
    found: Dict[str, float] = {}
    for value in values:
        code = value.language.iso_code_639_1.name.lower()
        if code in codes:
            found[code] = value.value
    return sorted(found.items(), key=lambda item: -item[1])


Ranker = Callable[[str, Sequence[str]], List[Tuple[str, float]]]


def detect_with(
    ranker: Ranker,
    text: str,
    languages: Sequence[str],
    minimum_confidence: float,
    ignore: Iterable[Tuple[int, int]] = (),
) -> Optional[str]:
    """:func:`detect` with another detector's ranking (the benchmark's baseline uses it)."""
    left = language_text(text, ignore)
    if not carries_language(left):
        return None
    ranked = ranker(left, languages)
    if not ranked or ranked[0][1] < minimum_confidence:
        return None
    return ranked[0][0]


def detect(
    text: str,
    languages: Sequence[str] = SUPPORTED,
    minimum_confidence: float = DEFAULT_MINIMUM_CONFIDENCE,
    ignore: Iterable[Tuple[int, int]] = (),
) -> Optional[str]:
    """The ISO 639-1 code of the configured language ``text`` is written in, or None when it
    carries no language or Lingua is not sure enough. ``ignore``: (start, end) spans that
    carry no language, such as the place names the location extractor found."""
    return detect_with(confidences, text, languages, minimum_confidence, ignore)
