"""Language identification on short resident messages: the chosen detector beside the baseline, same run.

    make bench-language-id
    BENCH_MIN_CONFIDENCE=0.4 make bench-language-id    # another abstain threshold for every detector

Rows:
  lingua (chosen)     bot/nlu/language_id.detect: Lingua restricted to the eight languages, after
                      taking out postcodes, links, numbers, service names and loanwords, and the
                      place names the location extractor finds; None under the minimum confidence
  lingua, raw text    Lingua on the message as typed, the same threshold (what the removal adds)
  py3langid (baseline) py3langid restricted the same way, through the same removal and threshold
                      (bot/nlu/language_id.detect_with); installed here into var/bench/, pinned by hash

Data: tests/nlu/language_holdout.yml (about 40 short messages per language, written by a non-native
speaker, never trained on; plus messages with no language, which should get no answer) and the
English held-out file tests/nlu_holdout.yml (how often an English resident would be switched to
another language). "right", "wrong" (another language) and "none" (no answer: the conversation keeps
its language) per language; the hard cases by tag; milliseconds per message on one core.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import yaml  # noqa: E402

from bot.nlu import language_id  # noqa: E402
from bot.settings import _var_dir  # noqa: E402
from tests.support.language_holdout import HeldOut, PlaceSpans, load  # noqa: E402

BASELINE = "py3langid==0.2.2"  # 0.3 and later need NumPy 2; Rasa 3.6 pins NumPy 1.23
BASELINE_SHA256 = "a5460ccc565c7b6a7a0e72f42236900b810e73c065a1b769a69fa9d9cff13f00"
BASELINE_DIR = _var_dir(os.environ) / "bench" / "py3langid-0.2.2"
ENGLISH_HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
LANGUAGES = language_id.SUPPORTED

# One message per language, so every model is loaded before the timed messages.
WARM_UP = ("hello there", "Bore da", "Dzień dobry", "Bună ziua", "Добрий день", "صباح الخير", "شکریہ", "Olá")

Detector = Callable[[str, List[Tuple[int, int]]], Optional[str]]


def install_baseline() -> None:
    """py3langid into var/bench/ with pip, by hash, without touching the project's environment."""
    if (BASELINE_DIR / "py3langid").exists():
        return
    with tempfile.TemporaryDirectory() as tmp:
        requirement = Path(tmp) / "requirements.txt"
        requirement.write_text(f"{BASELINE} --hash=sha256:{BASELINE_SHA256}\n")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--require-hashes"]
            + ["--target", str(BASELINE_DIR), "-r", str(requirement)],
            check=True,
        )


def baseline_ranker() -> language_id.Ranker:
    """py3langid restricted to the eight languages, its model loaded on the first call (timed as load)."""
    install_baseline()
    sys.path.insert(0, str(BASELINE_DIR))
    identifiers: List[Any] = []

    def rank(text: str, languages: Sequence[str]) -> List[Tuple[str, float]]:
        if not identifiers:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifiers.append(LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True))
            identifiers[0].set_languages(list(LANGUAGES))
        return [(code, float(p)) for code, p in identifiers[0].rank(text) if code in languages]

    return rank


def english_holdout() -> List[str]:
    """The English held-out messages, entity annotations taken out."""
    texts = []
    for block in yaml.safe_load(ENGLISH_HOLDOUT.read_text(encoding="utf-8"))["nlu"]:
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line[2:]))
    return texts


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Tally:
    right: int = 0
    wrong: int = 0
    none: int = 0

    def add(self, expected: str, found: Optional[str]) -> None:
        if found is None:
            self.none += 1
        elif found == expected:
            self.right += 1
        else:
            self.wrong += 1

    @property
    def total(self) -> int:
        return self.right + self.wrong + self.none

    def cell(self) -> str:
        return f"{self.right}/{self.wrong}/{self.none}"


@dataclass
class Result:
    name: str
    per_language: Dict[str, Tally] = field(default_factory=dict)
    per_case: Dict[str, Tally] = field(default_factory=dict)
    no_language: Tally = field(default_factory=Tally)
    english: Tally = field(default_factory=Tally)
    load_seconds: float = 0.0
    load_mb: float = 0.0
    ms: List[float] = field(default_factory=list)
    wrong_examples: List[str] = field(default_factory=list)


def case_names(message: HeldOut) -> List[str]:
    names = sorted(message.tags)
    if message.short:
        names.append("1-2 words")
    return names


def measure(
    name: str, detector: Detector, messages: List[HeldOut], english: List[str], places: PlaceSpans
) -> Result:
    result = Result(name)
    before, start = rss_mb(), time.perf_counter()
    for text in WARM_UP:  # Lingua loads each language's models on first need
        detector(text, [])
    result.load_seconds, result.load_mb = time.perf_counter() - start, rss_mb() - before
    spans = {text: places(text) for text in [m.text for m in messages] + english}
    for message in messages:
        start = time.perf_counter()
        found = detector(message.text, spans[message.text])
        result.ms.append((time.perf_counter() - start) * 1000)
        if not message.language:
            result.no_language.add("", found)  # any answer is wrong here
            continue
        result.per_language.setdefault(message.language, Tally()).add(message.language, found)
        for case in case_names(message):
            result.per_case.setdefault(case, Tally()).add(message.language, found)
        if found not in (None, message.language):
            result.wrong_examples.append(f"{message.language}->{found}: {message.text}")
    for text in english:
        start = time.perf_counter()
        result.english.add("en", detector(text, spans[text]))
        result.ms.append((time.perf_counter() - start) * 1000)
    return result


def report(results: List[Result], minimum: float, n_messages: int, n_none: int, n_english: int) -> None:
    width = max(len(r.name) for r in results) + 2
    print(
        f"\nLanguage identification, minimum confidence {minimum}: tests/nlu/language_holdout.yml "
        f"({n_messages} messages in {len(LANGUAGES)} languages, {n_none} with no language) and "
        f"tests/nlu_holdout.yml ({n_english} English messages)."
    )
    print("Cells: right/wrong/none (none = no answer: the conversation keeps its language).\n")
    header = "".join(f"{code:>10}" for code in LANGUAGES)
    print(f"{'detector':<{width}}{header}{'right':>8}{'wrong':>8}")
    for r in results:
        cells = "".join(f"{r.per_language[c].cell():>10}" for c in LANGUAGES)
        right = sum(t.right for t in r.per_language.values())
        wrong = sum(t.wrong for t in r.per_language.values())
        total = sum(t.total for t in r.per_language.values())
        print(f"{r.name:<{width}}{cells}{right / total:>8.3f}{wrong / total:>8.3f}")
    cases = sorted({c for r in results for c in r.per_case})
    print(f"\n{'hard cases':<{width}}" + "".join(f"{c:>12}" for c in cases))
    for r in results:
        print(f"{r.name:<{width}}" + "".join(f"{r.per_case[c].cell():>12}" for c in cases))
    print(
        f"\n{'detector':<{width}}{'no-language: none':>18}{'English: other':>16}{'English: none':>15}"
        f"{'p50 ms':>8}{'p95 ms':>8}{'load s':>8}{'load MB':>9}"
    )
    for r in results:
        print(
            f"{r.name:<{width}}{r.no_language.none:>13}/{r.no_language.total:<4}"
            f"{r.english.wrong:>11}/{r.english.total:<4}{r.english.none:>10}/{r.english.total:<4}"
            f"{statistics.median(r.ms):>8.2f}{statistics.quantiles(r.ms, n=20)[18]:>8.2f}"
            f"{r.load_seconds:>8.2f}{r.load_mb:>9.0f}"
        )
    for r in results:
        print(f"\n{r.name}: taken for another language ({len(r.wrong_examples)})")
        for line in r.wrong_examples:
            print(f"  {line}")


def main() -> int:
    minimum = float(os.environ.get("BENCH_MIN_CONFIDENCE", language_id.DEFAULT_MINIMUM_CONFIDENCE))
    holdout = load()
    messages = holdout.all()
    english = english_holdout()
    places = PlaceSpans()

    def chosen(text: str, ignore: List[Tuple[int, int]]) -> Optional[str]:
        return language_id.detect(text, LANGUAGES, minimum, ignore)

    def raw(text: str, ignore: List[Tuple[int, int]]) -> Optional[str]:
        ranked = language_id.confidences(text, LANGUAGES) if text.strip() else []
        return ranked[0][0] if ranked and ranked[0][1] >= minimum else None

    rank = baseline_ranker()

    def baseline(text: str, ignore: List[Tuple[int, int]]) -> Optional[str]:
        return language_id.detect_with(rank, text, LANGUAGES, minimum, ignore)

    places("Norwich")  # the location extractor's load is nobody's
    results = [
        measure("lingua 2.1.1 (chosen)", chosen, messages, english, places),
        measure("lingua, raw text", raw, messages, english, places),
        measure("py3langid 0.2.2 (baseline)", baseline, messages, english, places),
    ]
    n_none = len(holdout.no_language)
    report(results, minimum, len(messages) - n_none, n_none, len(english))
    return 0


if __name__ == "__main__":
    sys.exit(main())
