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

Why chat abbreviations are taken out too: "thx", "lol", "ttyl" are typed by
residents writing in any language, and Lingua reads them as Welsh ("k thx" at
0.99). The few that are also words here ("na" and "ty" are Polish, "ta" and "na"
Portuguese, "u" Polish, "ty" Welsh for "house" without its accent, "np" the Polish
"e.g.") are taken out only when nothing else with a language is left.

Why Roman Urdu is a rule of its own: Lingua knows Urdu in Urdu script only, so
Urdu written in Latin letters ("mujhe laptop chahiye") was taken for English or
got no answer. A message with two of its distinctive words (:data:`ROMAN_URDU_WORDS`)
that Lingua does not surely find in another language, or with three, or made only of
such words ("shukriya"), gets no language: the conversation keeps the one it has, so
a resident who chose Urdu is not switched to English, and one writing in English is
not switched to Urdu script, which many who type Roman Urdu (Hindi speakers too) do
not read. :func:`is_roman_urdu` tells English-only steps (the spelling corrector) to
leave it alone.

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
# English chat abbreviations, typed in every language (any case). Not "plis": it is Welsh.
# fmt: off
TEXTSPEAK = (
    "thx", "thnx", "thanx", "thnks", "thks", "tyvm", "ttyl", "cya", "lol", "lmao", "rofl", "pls", "plz",
    "omg", "brb", "idk", "tbh", "btw", "ikr", "nvm", "gr8", "l8r", "m8", "soz", "ur", "r", "yh", "nah",
    "x", "xx", "xxx",
)
# fmt: on
# Chat abbreviations that are also words in the languages here ("na komputerze", "ta bom", "u lekarza",
# Welsh "ty" for "tŷ", Polish "np."): taken out only when the message has nothing else with a language.
TEXTSPEAK_ALSO_WORDS = ("ty", "np", "na", "ta", "u", "ya")

# Roman Urdu (and Hindustani) words that are not English and not common in the other languages here.
# Left out on purpose: "main", "mere", "hun", "hum", "ho", "par", "jab", "tab", "karen" (English), "acha"
# (Portuguese "thinks"), "aur", "mai", "salam" (Romanian), "karta", "kal" (Polish), "bata", "pata"
# (Portuguese), "bara" (Welsh), and words of two letters ("ke", "ka", "ki", "se", "ko"). "hai" is in
# although Romanian says "hai" ("come on"): two words are needed and Lingua is sure of a Romanian message.
# fmt: off
ROMAN_URDU_WORDS = frozenset("""
    mujhe mujhay mujhko mera meri hamein humein hamara hamari tumhara tumhe aap aapka aapki aapke apka apki
    apke unka inka woh kya kyun kyon kyu kab kahan kahaan kidhar kaise kaisay kaisa kaisi kaun kitna kitne
    kitni nahi nahin nhi haan hai hain hoon tha thi thay raha rahi rahe sakta sakti sakte chahiye chahie
    chahye chaiye chahta chahti chahte milega milegi milenge milta milti milte kar karo karein kijiye karna
    karni karne karti batain bataen bataye batayein batao bataiye dijiye hoga hogi hota hoti gayi hua mein
    liye sath saath madad zaroorat zarurat shukriya shukria meherbani mehrbani bohat bohot bahut theek thik
    accha achha acchi achi wala wali koi kuch kuchh bhi abhi yahan wahan aaj ghar paise baat samajh malum
    maloom khuda hafiz assalam asalam alaikum walaikum salaam bilkul zaroor shayad lekin magar bhai kaam
    naukri seekhna sikhna seekhne sikhne naya nayi kripya dhanyavad dhanyawad karun karoon karu banun banna
    bharun bharna chalana chalani bolne bolna dekhun dekhna bhejna bhejun bhejne likhna likhte rehta rehti
    rahta aata aati aaya aayi aayega aayegi leni gaya gaye bhool khatam khatm sasta sasti insaan insan
    shuru aoa yaar kisi ammi abbu ji jee phir chalo jazakallah aadab asli chalti chalta chalte khulta khulti
    khulte khulega
""".split())
# fmt: on
# Lingua's confidence in another language (not English) above which a message with two Roman Urdu
# words and others is that language. Three, or only such words, make it Roman Urdu whatever Lingua says
# (a long Roman Urdu message was Welsh at 0.7; no message of the other languages' training or held-out
# files has even two).
OTHER_LANGUAGE_SURE = 0.7
ROMAN_URDU_SURE_WORDS = 3


def _words_re(words: Sequence[str], flags: int = 0) -> "re.Pattern[str]":
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", flags)


def _chat_re(words: Sequence[str]) -> "re.Pattern[str]":
    """Whole words only, an apostrophe counting as part of a word: Welsh "mae'r" keeps its "r"."""
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(r"(?<![\w'’-])(?:" + alternatives + r")(?![\w'’-])", re.IGNORECASE)


_WORDS_RE = _words_re(NO_LANGUAGE_WORDS, re.IGNORECASE)
_CAPITALS_RE = _words_re(NO_LANGUAGE_CAPITALS)
_TEXTSPEAK_RE = _chat_re(TEXTSPEAK)
_TEXTSPEAK_ALSO_WORDS_RE = _chat_re(TEXTSPEAK_ALSO_WORDS)
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_LINK_RE = re.compile(r"\S+://\S+|www\.\S+|\S+@\S+\.\S+")
# Digits, punctuation, symbols and emoji: everything but letters, marks and spaces.
_NOT_WORDS_RE = re.compile(r"[^\w\s'’-]|[\d_]")


def language_text(text: str, ignore: Iterable[Tuple[int, int]] = ()) -> str:
    """What is left of ``text`` to tell its language by: ``ignore`` spans, postcodes, links,
    numbers, symbols, the names in NO_LANGUAGE_WORDS and chat abbreviations (TEXTSPEAK; those in
    TEXTSPEAK_ALSO_WORDS only when nothing else with a language is left) removed ("" for a button
    payload)."""
    if text.lstrip().startswith("/"):
        return ""
    spans = list(ignore) + [(s, e) for s, e, _ in find_postcodes(text) + find_postcode_lookalikes(text)]
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    left = _LINK_RE.sub(" ", "".join(chars))
    left = _CAPITALS_RE.sub(" ", _WORDS_RE.sub(" ", left))
    left = _TEXTSPEAK_RE.sub(" ", left)
    left = " ".join(_NOT_WORDS_RE.sub(" ", left).split())
    without = " ".join(_TEXTSPEAK_ALSO_WORDS_RE.sub(" ", left).split())
    return without if not carries_language(without) else left


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
    if _is_roman_urdu(left, lambda: ranked):
        return None  # Roman Urdu: no language here knows it (see the module's docstring)
    if not ranked or ranked[0][1] < minimum_confidence:
        return None
    return ranked[0][0]


def _roman_urdu_evidence(left: str) -> Optional[bool]:
    """How sure the words of what :func:`language_text` left make it Roman Urdu: True whatever Lingua
    says (three distinct words of ROMAN_URDU_WORDS, or only such words: "shukriya", "bilkul", which
    Lingua takes for Polish at 0.98), False unless Lingua is sure of another language (two), None not."""
    words = [w.lower() for w in _LETTERS_RE.findall(left)]
    found = len(ROMAN_URDU_WORDS.intersection(words))
    if found >= ROMAN_URDU_SURE_WORDS or (found and all(w in ROMAN_URDU_WORDS for w in words)):
        return True
    return False if found >= 2 else None


def _is_roman_urdu(left: str, ranked: Callable[[], Sequence[Tuple[str, float]]]) -> bool:
    """Roman Urdu by :func:`_roman_urdu_evidence`; Lingua's ranking is asked for only when two words
    leave it to Lingua."""
    evidence = _roman_urdu_evidence(left)
    if evidence is not False:
        return bool(evidence)
    top = ranked()
    return not (top and top[0][0] != "en" and top[0][1] >= OTHER_LANGUAGE_SURE)


def is_roman_urdu(
    text: str, languages: Sequence[str] = SUPPORTED, ignore: Iterable[Tuple[int, int]] = ()
) -> bool:
    """True for a message :func:`detect` gives no language because it is Roman Urdu (Urdu or Hindi
    in Latin letters), so English-only steps leave it alone. Lingua runs only when the words match."""
    left = language_text(text, ignore)
    return _is_roman_urdu(left, lambda: confidences(left, languages))


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
