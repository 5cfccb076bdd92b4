"""Place names -> coordinates, for residents who name a place, not a postcode.

Names come from two sources: the towns of the offline outcode table and a
hand-made list of local neighbourhoods (data/geo/neighbourhoods.csv), which
wins on a clash. A town name shared by outcodes in several regions ("Norton")
resolves to the region with the most outcodes; within that region the
centroids are averaged.

Some towns are also everyday words ("March", "Deal", "Bath", "Hope"). An
extractor should only accept those when capitalised; :func:`is_common_word`
tells which, using spaCy's offline English lookups (spacy-lookups-data): a
single-word name is "common" when it is an English dictionary word (WordNet
lemma index) that is frequent in lower case (lexeme probability >= -14.5) and
not much rarer in lower case than capitalised (so "London", "Oxford" and
"York" stay place names while "March", "Wells" and "Reading" are flagged).
Multi-word names ("Mile Cross") are treated as distinctive.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from bot.geo.outcodes import OutcodeTable

_ALIASES = {
    "city centre": "Norwich city centre",
    "city center": "Norwich city centre",
    "town centre": "Norwich city centre",
    "town center": "Norwich city centre",
    "norwich city center": "Norwich city centre",
    "norwich centre": "Norwich city centre",
    "norwich town centre": "Norwich city centre",
    "centre of norwich": "Norwich city centre",
}

_FUZZY_MIN_LETTERS = 5
_FUZZY_ONE_EDIT_UP_TO = 9  # Scoulton (not known) is 2 from Scorton, 200 miles away
_COMMON_MIN_LOGPROB = -14.5
_COMMON_CASE_MARGIN = 1.0


@dataclass(frozen=True)
class Place:
    """A named place with an approximate centre point."""

    name: str  # display name, as written in the source
    latitude: float
    longitude: float
    area: str  # district or region, for disambiguation in messages
    kind: str  # "neighbourhood" or "town"


def normalise_name(text: str) -> str:
    """Lower-case key without punctuation, "saint" -> "st", no leading "the"."""
    key = text.lower().replace("&", " and ")
    key = re.sub(r"[^\w\s]", " ", key)
    key = re.sub(r"\s+", " ", key).strip()
    key = re.sub(r"\bsaint\b", "st", key)
    return re.sub(r"^the ", "", key)


class Gazetteer:
    """Case-, space- and punctuation-insensitive lookup of place names."""

    def __init__(self, places: Iterable[Place], aliases: dict[str, str] | None = None) -> None:
        self._places: dict[str, Place] = {}
        for place in places:  # later entries win, so pass neighbourhoods last
            self._places[normalise_name(place.name)] = place
        self._aliases = {normalise_name(k): normalise_name(v) for k, v in (aliases or _ALIASES).items()}
        self._symspell: Any = None  # built on the first :meth:`closest`

    @classmethod
    def from_files(
        cls,
        outcodes: OutcodeTable,
        neighbourhoods_csv: str | Path | None,
        places_csv: str | Path | None = None,
    ) -> Gazetteer:
        """UK towns and villages (data/geo/gb_places.csv), then the outcode table's towns, then
        neighbourhoods from the CSV: a later source wins a name, so what was known before stays."""
        places = read_places(places_csv) if places_csv is not None else []
        places += towns_from_outcodes(outcodes)
        if neighbourhoods_csv is not None:
            places += read_neighbourhoods(neighbourhoods_csv)
        return cls(places)

    def lookup(self, name: str) -> Place | None:
        """The place called ``name`` (aliases like "city centre" included), or None."""
        key = normalise_name(name or "")
        key = self._aliases.get(key, key)
        return self._places.get(key)

    def closest(self, text: str, min_letters: int = 5) -> Place | None:
        """The one place whose name is a slip away from ``text`` ("Norwhich", "great yarmuth").

        A name of 5 to 9 letters may be one edit away, a longer one two; the first letter must
        match (slips there are rare) and the nearest name must be the only one that near, so an
        unclear spelling finds nothing rather than a guess. Exact names go through :meth:`lookup`.
        ``min_letters`` (at least 5) raises the bar where a short word is more likely another word.
        """
        key = normalise_name(text or "")
        if len(key) < max(min_letters, _FUZZY_MIN_LETTERS):
            return None
        allowed = 1 if len(key) <= _FUZZY_ONE_EDIT_UP_TO else 2
        suggestions = [
            s
            for s in self.spelling_index().lookup(key, _verbosity_all(), max_edit_distance=allowed)
            if s.term[0] == key[0] and s.term != key
        ]
        if not suggestions:
            return None
        nearest = min(s.distance for s in suggestions)
        best = [s.term for s in suggestions if s.distance == nearest]
        return self._places[best[0]] if len(best) == 1 else None

    def spelling_index(self) -> Any:
        """The SymSpell index :meth:`closest` searches, built once (about 0.2 s) on first use."""
        if self._symspell is None:
            from symspellpy import SymSpell

            speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
            for key in self._places:
                if len(key) >= _FUZZY_MIN_LETTERS:
                    speller.create_dictionary_entry(key, 1)
            self._symspell = speller
        return self._symspell

    def names(self) -> list[str]:
        """Every display name, sorted, e.g. to build an entity ruler."""
        return sorted(place.name for place in self._places.values())

    def phrases(self) -> list[str]:
        """Display names plus alias phrases ("city centre"); all resolve with :meth:`lookup`."""
        alias_phrases = [alias for alias in self._aliases if alias not in self._places]
        return sorted(set(self.names()) | set(alias_phrases))

    @staticmethod
    def is_common_word(name: str) -> bool:
        """See the module function :func:`is_common_word`."""
        return is_common_word(name)


def towns_from_outcodes(outcodes: OutcodeTable) -> list[Place]:
    """One place per town name, averaged over its outcodes in its main region."""
    groups: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    display: dict[str, str] = {}
    for row in outcodes:
        if not row.town:
            continue
        key = normalise_name(row.town)
        display.setdefault(key, row.town)
        groups[key][row.region].append((row.latitude, row.longitude))
    places = []
    for key, regions in groups.items():
        region, points = max(regions.items(), key=lambda item: len(item[1]))
        lat = sum(p[0] for p in points) / len(points)
        lon = sum(p[1] for p in points) / len(points)
        places.append(Place(display[key], lat, lon, region, "town"))
    return places


def read_places(path: str | Path) -> list[Place]:
    """Rows of name,latitude,longitude,area as towns (data/geo/gb_places.csv, see bot.geo.geonames)."""
    return [replace(place, kind="town") for place in read_neighbourhoods(path)]


def read_neighbourhoods(path: str | Path) -> list[Place]:
    """Rows of name,latitude,longitude,area."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [
            Place(
                row["name"].strip(),
                float(row["latitude"]),
                float(row["longitude"]),
                row.get("area", "").strip(),
                "neighbourhood",
            )
            for row in csv.DictReader(handle)
            if row.get("name", "").strip()
        ]


def _verbosity_all() -> Any:
    from symspellpy import Verbosity

    return Verbosity.ALL


@lru_cache(maxsize=1)
def _english_tables() -> tuple[frozenset[str], dict[str, str], dict[str, float]]:
    """WordNet lemma index, lemma lookup and lexeme probabilities (loaded once, lazily)."""
    import spacy_lookups_data
    import srsly

    data = Path(spacy_lookups_data.__file__).parent / "data"
    index = srsly.read_gzip_json(data / "en_lemma_index.json.gz")
    words = frozenset(w for group in index.values() for w in group)
    lemmas = srsly.read_gzip_json(data / "en_lemma_lookup.json.gz")
    probs = srsly.read_gzip_json(data / "en_lexeme_prob.json.gz")
    return words, lemmas, probs


@lru_cache(maxsize=4096)
def is_english_word(word: str) -> bool:
    """True for a word of the English dictionary (WordNet's lemmas), in any form ("going")."""
    words, lemmas, _ = _english_tables()
    lower = word.strip().lower()
    return lower in words or lemmas.get(lower, lower) in words


@lru_cache(maxsize=4096)
def is_common_word(name: str) -> bool:
    """True when a place name is also an everyday English word ("March", "Deal")."""
    word = name.strip()
    if not word or " " in word or "-" in word:
        return False
    if not is_english_word(word):
        return False
    lower = word.lower()
    probs = _english_tables()[2]
    lower_prob = probs.get(lower)
    if lower_prob is None or lower_prob < _COMMON_MIN_LOGPROB:
        return False
    capital_prob = probs.get(lower.capitalize(), -30.0)
    return lower_prob >= capital_prob - _COMMON_CASE_MARGIN
