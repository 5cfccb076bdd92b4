"""Reads tests/nlu/language_holdout.yml: held-out messages per language, and messages with none.

Used by tests/nlu/test_language_id.py and bench/language_id.py, so both read the file the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Tuple

import yaml

HOLDOUT = Path(__file__).resolve().parents[1] / "nlu" / "language_holdout.yml"
TAGS = frozenset({"mixed", "plain", "place", "roman"})


@dataclass(frozen=True)
class HeldOut:
    text: str
    language: str  # ISO 639-1; "" for a message that carries no language
    intent: str = ""
    tags: FrozenSet[str] = field(default_factory=frozenset)

    @property
    def short(self) -> bool:
        """One or two words: the hardest messages to tell the language of."""
        return len(self.text.split()) <= 2


@dataclass(frozen=True)
class LanguageHoldout:
    by_language: Dict[str, List[HeldOut]]
    no_language: List[HeldOut]

    def all(self) -> List[HeldOut]:
        return [m for messages in self.by_language.values() for m in messages] + self.no_language


def load(path: Path = HOLDOUT) -> LanguageHoldout:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_language = {
        language: [
            HeldOut(str(m["text"]), language, str(m["intent"]), frozenset(m.get("tags") or ()))
            for m in messages
        ]
        for language, messages in data["languages"].items()
    }
    no_language = [HeldOut(str(m["text"]), "") for m in data["no_language"]]
    return LanguageHoldout(by_language, no_language)


class PlaceSpans:
    """The place names in a message, found by the pipeline's own location extractor (as the
    NLU pipeline would pass them to ``detect(..., ignore=...)``). Built on first use (~2 s)."""

    def __init__(self) -> None:
        self._extractor: Any = None

    def __call__(self, text: str) -> List[Tuple[int, int]]:
        if self._extractor is None:
            from bot.nlu.location_extractor import LocationEntityExtractor

            self._extractor = LocationEntityExtractor({})
        return [(e["start"], e["end"]) for e in self._extractor.extract(text) if e["entity"] == "place"]
