"""Choose the FallbackClassifier threshold without touching any test split.

    make bench-thresholds

Trains config.yml's pipeline without its FallbackClassifier, then for each
candidate threshold prints:

- macro F1 on our own k-fold cross-validation predictions (a message under
  the threshold, or within the ambiguity margin of the runner-up, becomes
  nlu_fallback: right for out_of_scope, wrong elsewhere);
- the false-signpost rate on CLINC150's out-of-domain *validation* questions
  (the test questions are kept for bench-nlu and tests/test_nlu_quality.py).

The threshold in config.yml should keep false signposts well under 3% at
close to the best F1; config.yml's comment records the choice.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from nlu import (  # noqa: E402
    DATA,
    FALLBACK,
    SIGNPOSTING,
    parse,
    project_config,
    quiet_rasa,
    score,
    train,
    write,
)
from public_data import clinc150_out_of_domain  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

CANDIDATES = [round(0.05 * i, 2) for i in range(2, 13)]
Ranked = Tuple[str, float, float]  # intent, confidence, runner-up's confidence


def without_fallback() -> Tuple[dict, float]:
    """config.yml's NLU pipeline minus the FallbackClassifier, and its ambiguity margin."""
    config = project_config()
    config.pop("policies", None)
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] != "FallbackClassifier"]
    return config, float(fallback.get("ambiguity_threshold", 0.1))


def ranked(model: str, texts: List[str]) -> List[Ranked]:
    out = []
    for parsed in parse(model, texts)[0]:
        ranking = parsed.get("intent_ranking") or [parsed["intent"]]
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        out.append((parsed["intent"]["name"], parsed["intent"]["confidence"], second))
    return out


def apply(predictions: List[Ranked], threshold: float, ambiguity: float) -> List[str]:
    """What FallbackClassifier would make of each prediction."""
    return [
        intent if intent == FALLBACK or (confidence >= threshold and confidence - second >= ambiguity)
        else FALLBACK
        for intent, confidence, second in predictions
    ]


def main() -> int:
    quiet_rasa()
    folds = int(os.environ.get("BENCH_FOLDS", "3"))
    config, ambiguity = without_fallback()
    examples = load_data(str(DATA)).intent_examples
    labels = [e.get("intent") for e in examples]
    out_of_domain = [text for text, _ in clinc150_out_of_domain("val")]
    gold: List[str] = []
    cv_predictions: List[Ranked] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
        for i, (train_idx, test_idx) in enumerate(splitter.split(examples, labels)):
            fold = work / f"fold{i}"
            fold.mkdir()
            model, _ = train(config, write(TrainingData([examples[j] for j in train_idx]), fold / "train.yml"), fold)
            cv_predictions += ranked(model, [examples[j].get("text") for j in test_idx])
            gold += [labels[j] for j in test_idx]
        (work / "all").mkdir()
        model, _ = train(config, DATA, work / "all")
        ood_predictions = ranked(model, out_of_domain)
    rows: Dict[float, Tuple[float, float]] = {}
    for threshold in CANDIDATES:
        f1 = score(gold, apply(cv_predictions, threshold, ambiguity)).macro_f1
        signposted = sum(p in SIGNPOSTING for p in apply(ood_predictions, threshold, ambiguity))
        rows[threshold] = (f1, signposted / len(out_of_domain))
    print(f"\n{folds}-fold CV on data/nlu ({len(examples)} examples) and CLINC150 validation "
          f"out-of-domain questions ({len(out_of_domain)}); ambiguity margin {ambiguity}\n")
    print("| threshold | CV macro F1 | CLINC150 val false signposts |")
    print("|---|---|---|")
    for threshold, (f1, rate) in rows.items():
        print(f"| {threshold:.2f} | {f1:.3f} | {rate:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
