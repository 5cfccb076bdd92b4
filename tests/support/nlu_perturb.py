"""Misspell messages the way residents type on a phone, reproducibly.

Used by tests/test_nlu_quality.py (the drop must stay small) and by
bench/nlu.py (perturbed macro F1 for each pipeline). Every function takes a
``random.Random`` so a run can be repeated exactly.
"""

from __future__ import annotations

import random
import re
from typing import Callable, Dict, List

KEYBOARD_NEIGHBOURS = {
    "a": "qsz",
    "b": "vgn",
    "c": "xdv",
    "d": "sfe",
    "e": "wrd",
    "f": "dgr",
    "g": "fht",
    "h": "gjy",
    "i": "uok",
    "j": "hku",
    "k": "jli",
    "l": "ko",
    "m": "nj",
    "n": "bmh",
    "o": "ipl",
    "p": "ol",
    "q": "wa",
    "r": "etf",
    "s": "adw",
    "t": "ryg",
    "u": "yij",
    "v": "cbf",
    "w": "qes",
    "x": "zc",
    "y": "tuh",
    "z": "xa",
}

TEXT_SPEAK = {
    "you": "u",
    "your": "ur",
    "you're": "ur",
    "are": "r",
    "please": "pls",
    "thanks": "thx",
    "thank": "thx",
    "to": "2",
    "too": "2",
    "for": "4",
    "because": "cos",
    "tomorrow": "tmrw",
    "message": "msg",
    "people": "ppl",
    "before": "b4",
    "see": "c",
    "and": "&",
    "okay": "ok",
    "with": "wiv",
    "what": "wot",
    "about": "abt",
    "something": "sumthing",
    "know": "no",
    "i'm": "im",
    "can't": "cant",
    "don't": "dont",
    "doesn't": "doesnt",
    "need": "ned",
    "help": "hlp",
    "computer": "pc",
    "phone": "fone",
    "really": "rly",
    "probably": "prob",
}


def typos(text: str, rng: random.Random) -> str:
    """One slip of the finger in about every third longer word (at least one)."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    chosen = {i for i in candidates if rng.random() < 0.33} or {rng.choice(candidates)}
    for i in chosen:
        words[i] = _slip(words[i], rng)
    return " ".join(words)


def _slip(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word) - 1)  # first letters are usually right
    kind = rng.choice(("swap", "drop", "double", "neighbour"))
    if kind == "swap":
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "double":
        return word[:at] + word[at] + word[at:]
    near = KEYBOARD_NEIGHBOURS.get(word[at].lower(), word[at])
    return word[:at] + rng.choice(near) + word[at + 1 :]


def missing_spaces(text: str, rng: random.Random) -> str:
    """One or two spaces left out."""
    spaces = [m.start() for m in re.finditer(" ", text)]
    for at in sorted(rng.sample(spaces, min(len(spaces), rng.choice((1, 2)))), reverse=True):
        text = text[:at] + text[at + 1 :]
    return text


def text_speak(text: str, rng: random.Random) -> str:
    """Lower case, no full stops or apostrophes, common abbreviations."""
    words = [TEXT_SPEAK.get(w, w) for w in re.sub(r"[.!,]", "", text.lower()).split()]
    return " ".join(words).replace("'", "")


def all_capitals(text: str, rng: random.Random) -> str:
    return text.upper()


PERTURBATIONS: Dict[str, Callable[[str, random.Random], str]] = {
    "typos": typos,
    "missing spaces": missing_spaces,
    "text-speak": text_speak,
    "all capitals": all_capitals,
}


def perturb_all(texts: List[str], kind: str, seed: int = 7) -> List[str]:
    rng = random.Random(seed)
    return [PERTURBATIONS[kind](t, rng) for t in texts]


def mixed(texts: List[str], seed: int = 7) -> List[str]:
    """Each message gets one perturbation, chosen at random: the bench's single figure."""
    rng = random.Random(seed)
    kinds = list(PERTURBATIONS.values())
    return [rng.choice(kinds)(t, rng) for t in texts]
