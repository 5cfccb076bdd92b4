"""Checks on the NLU training data (data/nlu) and the held-out test set.

These load the data with Rasa's own reader, so a file Rasa cannot parse fails
here first. No model is trained.
"""

from __future__ import annotations

import csv
import json
import re
import string
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

import pytest
import yaml

from bot.geo.postcodes import normalise_postcode
from bot.needs import NEEDS

ROOT = Path(__file__).resolve().parents[1]
NLU_DIR = ROOT / "data" / "nlu"
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
SPEC = ROOT.parent / "shared" / "spec" / "intents.yml"
BENCHMARKS = ROOT.parent / "shared" / "benchmarks"

MIN_SIGNPOSTING = 40
MIN_LOCATION = 40
MIN_HOLDOUT = 12
# What the README promises: "about 2,200 examples, at least 55 per need".
MIN_PER_NEED = 55
TOTAL_EXAMPLES = (1800, 2400)

# Place names the gazetteer knows, plus well-known UK towns and cities, and the misspellings below.
ALLOWED_PLACES = {
    "mile cross",
    "lakenham",
    "old lakenham",
    "earlham",
    "west earlham",
    "bowthorpe",
    "tuckswood",
    "heartsease",
    "thorpe hamlet",
    "thorpe st andrew",
    "catton grove",
    "old catton",
    "sprowston",
    "hellesdon",
    "costessey",
    "new costessey",
    "eaton",
    "cringleford",
    "drayton",
    "taverham",
    "wymondham",
    "dereham",
    "hethersett",
    "poringland",
    "norwich city centre",
    "city centre",
    "golden triangle",
    "norwich",
    "leeds",
    "great yarmouth",
    "king's lynn",
    "ipswich",
    "manchester",
    "bristol",
    "cambridge",
    "london",
    "york",
    # Norfolk and Suffolk market towns and villages (most not among the outcode table's towns).
    "acle",
    "attleborough",
    "aylsham",
    "beccles",
    "brundall",
    "bungay",
    "bury st edmunds",
    "cromer",
    "diss",
    "downham market",
    "fakenham",
    "halesworth",
    "harleston",
    "hemsby",
    "hingham",
    "holt",
    "horsford",
    "hunstanton",
    "kessingland",
    "loddon",
    "long stratton",
    "lowestoft",
    "mulbarton",
    "mundesley",
    "north walsham",
    "reepham",
    "sheringham",
    "shipdham",
    "southwold",
    "stalham",
    "stowmarket",
    "swaffham",
    "thetford",
    "watton",
    # Misspellings residents type, annotated as written (data/nlu/location.yml).
    "costessy",
    "cromar",
    "derham",
    "great yarmoth",
    "great yarmuth",
    "hellsdon",
    "norwch",
    "norwhich",
    "norwitch",
    "sprowson",
    "swafham",
    "thetferd",
    "wymondam",
    "wymonham",
}

_PUNCT = str.maketrans({c: " " for c in string.punctuation + "\u2019\u2018\u201c\u201d\u00a3"})


def norm(text: str) -> str:
    """Lower-case, punctuation stripped, whitespace collapsed."""
    return " ".join(text.lower().translate(_PUNCT).split())


# --------------------------------------------------------------------------
# loading


@pytest.fixture(scope="module")
def spec() -> dict:
    if not SPEC.exists():
        pytest.skip(f"spec not found: {SPEC}")
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


def _load(path: Path):
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(path))


@pytest.fixture(scope="module")
def train():
    return _load(NLU_DIR)


@pytest.fixture(scope="module")
def holdout():
    return _load(HOLDOUT)


def _by_intent(data) -> Dict[str, List]:
    out: Dict[str, List] = defaultdict(list)
    for ex in data.intent_examples:
        out[ex.get("intent")].append(ex)
    return out


def _signposting_intents(spec: dict) -> List[str]:
    """The intents listed before the "Conversation" comment of the spec."""
    names: List[str] = []
    in_intents = False
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        if line.startswith("intents:"):
            in_intents = True
            continue
        if not in_intents:
            continue
        if line.strip().startswith("#") and "Conversation" in line:
            break
        m = re.match(r"^  ([a-z_]+):\s*$", line)
        if m:
            names.append(m.group(1))
    assert names and set(names) <= set(spec["intents"])
    return [n for n in names if n != "inform_location"]


def _entities(ex) -> Iterable[Tuple[str, str]]:
    text = ex.get("text")
    for ent in ex.get("entities") or []:
        yield ent["entity"], text[ent["start"] : ent["end"]]


# --------------------------------------------------------------------------
# contract


def _english_files() -> List[Path]:
    """data/nlu's English files: each other language has its own lang_<code>.yml, and
    change_language.yml mixes all eight."""
    return [
        p
        for p in sorted(NLU_DIR.glob("*.yml"))
        if not p.name.startswith("lang_") and p.name != "change_language.yml"
    ]


def test_counts_are_what_the_readme_says():
    """About 2,200 English training examples, at least 55 for every need."""
    counts = Counter(ex.get("intent") for path in _english_files() for ex in _load(path).intent_examples)
    low = {need: counts[need] for need in NEEDS if counts[need] < MIN_PER_NEED}
    assert not low, f"needs with fewer than {MIN_PER_NEED} examples: {low}"
    assert TOTAL_EXAMPLES[0] <= sum(counts.values()) <= TOTAL_EXAMPLES[1], sum(counts.values())


@pytest.mark.parametrize("path", sorted(NLU_DIR.glob("lang_*.yml")), ids=lambda p: p.stem)
def test_every_language_has_every_intent(path):
    """Each language's file teaches every intent the English data does, so no need is
    understood in English only (change_language has its own file)."""
    english = {ex.get("intent") for p in _english_files() for ex in _load(p).intent_examples}
    missing = english - {ex.get("intent") for ex in _load(path).intent_examples}
    assert not missing, f"{path.name} has no examples of {sorted(missing)}"


def test_no_text_in_two_languages_files():
    """Rasa merges the same text found in two files into one example, so a sentence in a language
    file and an English one (or another language's) would be counted for one language only."""
    texts = {p.name: {norm(ex.get("text")) for ex in _load(p).intent_examples} for p in _english_files()}
    english = set().union(*texts.values())
    seen: Dict[str, Set[str]] = {"English files": english}
    shared = []
    for path in sorted(NLU_DIR.glob("lang_*.yml")):
        mine = {norm(ex.get("text")) for ex in _load(path).intent_examples}
        shared += [
            f"{path.name} and {other}: {sorted(mine & theirs)}"
            for other, theirs in seen.items()
            if mine & theirs
        ]
        seen[path.name] = mine
    assert not shared, shared


def test_every_spec_intent_and_entity_is_present(spec, train):
    intents = {ex.get("intent") for ex in train.intent_examples}
    missing = set(spec["intents"]) - intents
    assert not missing, f"spec intents missing from data/nlu: {sorted(missing)}"
    entities = {e for ex in train.training_examples for e, _ in _entities(ex)}
    missing_ents = set(spec["entities"]) - entities
    assert not missing_ents, f"spec entities missing from data/nlu: {sorted(missing_ents)}"
    unknown_ents = entities - set(spec["entities"])
    assert not unknown_ents, f"entities not in the spec: {sorted(unknown_ents)}"


def test_only_known_extra_intents(spec, train):
    intents = {ex.get("intent") for ex in train.intent_examples}
    extra = intents - set(spec["intents"])
    assert extra <= {"start_over", "change_language"}, f"unexpected intents: {sorted(extra)}"


def test_signposting_intents_have_enough_examples(spec, train):
    counts = Counter(ex.get("intent") for ex in train.intent_examples)
    names = _signposting_intents(spec)
    assert len(names) >= 19
    low = {n: counts[n] for n in names if counts[n] < MIN_SIGNPOSTING}
    assert not low, f"fewer than {MIN_SIGNPOSTING} examples: {low}"
    assert counts["inform_location"] >= MIN_LOCATION


def test_holdout_covers_every_intent(train, holdout):
    tr = {ex.get("intent") for ex in train.intent_examples}
    counts = Counter(ex.get("intent") for ex in holdout.intent_examples)
    assert set(counts) <= tr, f"holdout intents unknown to training: {set(counts) - tr}"
    low = {n: counts[n] for n in tr if counts[n] < MIN_HOLDOUT}
    assert not low, f"holdout has fewer than {MIN_HOLDOUT} examples: {low}"


# --------------------------------------------------------------------------
# leakage and duplicates


def test_holdout_not_in_training(train, holdout):
    seen = {norm(ex.get("text")) for ex in train.intent_examples}
    leaked = sorted({ex.get("text") for ex in holdout.intent_examples if norm(ex.get("text")) in seen})
    assert not leaked, f"holdout examples also in data/nlu: {leaked}"


def test_holdout_has_no_internal_duplicates(holdout):
    counts = Counter(norm(ex.get("text")) for ex in holdout.intent_examples)
    dups = sorted(t for t, c in counts.items() if c > 1)
    assert not dups, f"duplicated holdout examples: {dups}"


def test_no_text_under_two_intents(train):
    intents_of: Dict[str, Set[str]] = defaultdict(set)
    for ex in train.intent_examples:
        intents_of[norm(ex.get("text"))].add(ex.get("intent"))
    clashes = {t: sorted(i) for t, i in intents_of.items() if len(i) > 1}
    assert not clashes, f"same text under several intents: {clashes}"


def test_no_duplicates_within_training(train):
    counts = Counter((ex.get("intent"), norm(ex.get("text"))) for ex in train.intent_examples)
    dups = sorted(t for t, c in counts.items() if c > 1)
    assert not dups, f"duplicated training examples: {dups}"


def test_spec_examples_not_copied(spec, train):
    """The spec's illustrations are not training data."""
    seen = {norm(ex.get("text")) for ex in train.intent_examples}
    copied = sorted(
        e for body in spec["intents"].values() for e in body.get("examples", []) if norm(e) in seen
    )
    assert not copied, f"spec examples copied verbatim into data/nlu: {copied}"


# --------------------------------------------------------------------------
# entities


def _annotated(data, entity: str) -> List[str]:
    return [value for ex in data.training_examples for name, value in _entities(ex) if name == entity]


@pytest.mark.parametrize("which", ["train", "holdout"])
def test_postcode_entities_are_valid(which, train, holdout):
    bad = sorted(
        v
        for v in _annotated(train if which == "train" else holdout, "postcode")
        if normalise_postcode(v) is None
    )
    assert not bad, f"invalid postcode annotations: {bad}"


@pytest.mark.parametrize("which", ["train", "holdout"])
def test_place_entities_are_known(which, train, holdout):
    bad = sorted(
        v
        for v in _annotated(train if which == "train" else holdout, "place")
        if v.lower() not in ALLOWED_PLACES
    )
    assert not bad, f"place annotations not in the gazetteer list: {bad}"


def test_entity_spans_are_clean(train, holdout):
    """No annotation starts or ends with whitespace or punctuation."""
    bad = []
    for data in (train, holdout):
        for ex in data.training_examples:
            for _, value in _entities(ex):
                if value != value.strip() or value.strip(string.punctuation) != value:
                    bad.append(value)
    assert not bad, f"untidy entity spans: {bad}"


def test_unannotated_postcodes_are_absent(train, holdout):
    """A valid full postcode in an example must be annotated (consistency)."""
    full = re.compile(r"\b[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}\b")
    missing = []
    for data in (train, holdout):
        for ex in data.training_examples:
            text = ex.get("text")
            spans = [(e["start"], e["end"]) for e in ex.get("entities") or []]
            for m in full.finditer(text):
                if not any(s <= m.start() and m.end() <= e for s, e in spans):
                    missing.append(text)
    assert not missing, f"postcodes without annotation: {missing}"


# --------------------------------------------------------------------------
# benchmarks: evaluation data must not leak into training


def _benchmark_texts() -> Set[str]:
    texts: Set[str] = set()
    clinc = BENCHMARKS / "clinc150" / "data_full.json"
    if clinc.exists():
        data = json.loads(clinc.read_text(encoding="utf-8"))
        for split in data.values():
            for item in split:
                texts.add(norm(item[0]))
    for name in ("train.csv", "test.csv"):
        path = BENCHMARKS / "banking77" / name
        if path.exists():
            with path.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    texts.add(norm(row["text"]))
    return texts


@pytest.mark.parametrize("which", ["train", "holdout"])
def test_no_benchmark_text(which, train, holdout):
    bench = _benchmark_texts()
    if not bench:
        pytest.skip("benchmark files not found")
    data = train if which == "train" else holdout
    overlap = sorted({ex.get("text") for ex in data.intent_examples if norm(ex.get("text")) in bench})
    assert not overlap, f"{which} examples found in CLINC150/BANKING77: {overlap}"
