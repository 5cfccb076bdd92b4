"""The project's NLU pipeline on public benchmarks, next to published figures.

    make bench-public                      # BANKING77 and CLINC150 (about 40 min on 2 cores)
    BENCH_PUBLIC=banking77 make bench-public
    BENCH_PUBLIC_VARIANT=signpost-diet make bench-public   # a variant of bench/nlu.py
    BENCH_PUBLIC_EPOCHS=30 make bench-public    # fewer DIET epochs (the data is 5-8x ours)

The pipeline is config.yml's, minus the parts that only make sense for this
bot (the in-domain gate checks Signpost's own intents; the fallback
threshold is tuned below on the benchmark's validation split instead).

- BANKING77: train on train.csv, accuracy on test.csv.
- CLINC150 ("full"): train on train plus oos_train as a 151st class; in-scope
  accuracy on test, out-of-scope recall on oos_test. A second row adds a
  confidence threshold chosen on val + oos_val (never on test).

Published figures (accuracy %, from ../shared/benchmarks/README.md) are the
baselines: Larson et al. 2019 Table 2 and Casanueva et al. 2020 Table 3.
Training data here is the benchmark's own; nothing enters data/.
"""

from __future__ import annotations

import copy
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from nlu import parse, quiet_rasa, train, variants, write  # noqa: E402
from public_data import Examples, banking77, clinc150  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

PUBLISHED = {
    "banking77": [("BERT-Tuned", 93.66), ("USE+ConveRT", 93.36), ("ConveRT", 93.01), ("BERT-Fixed", 87.19)],
    "clinc150": [
        ("BERT", 96.9),
        ("MLP", 93.5),
        ("Dialogflow", 91.7),
        ("Rasa", 91.5),
        ("SVM", 91.0),
        ("FastText", 89.0),
    ],
}
PUBLISHED_OOS_RECALL = [("Rasa", 45.3), ("BERT", 40.3), ("BERT + threshold", 52.3)]
OOS = "oos"
PRODUCT_ONLY = ("bot.nlu.in_domain_gate.InDomainGate", "FallbackClassifier")


def benchmark_config() -> dict:
    config = copy.deepcopy(variants()[os.environ.get("BENCH_PUBLIC_VARIANT", "signpost")])
    config.pop("policies", None)
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] not in PRODUCT_ONLY]
    config["assistant_id"] = "bench-public"
    epochs = os.environ.get("BENCH_PUBLIC_EPOCHS")
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier" and epochs:
            # 5-8x more examples than ours: as many gradient steps in fewer epochs.
            component["epochs"] = int(epochs)
    return config


def variant_label() -> str:
    name = os.environ.get("BENCH_PUBLIC_VARIANT", "signpost")
    epochs = os.environ.get("BENCH_PUBLIC_EPOCHS")
    return f"{name} (bench/nlu.py variant){f', DIET {epochs} epochs' if epochs else ''}"


def to_training_data(examples: Examples) -> TrainingData:
    return TrainingData([Message.build(text=text, intent=label) for text, label in examples])


def classify(model: str, texts: List[str]) -> List[Tuple[str, float]]:
    """(intent, confidence) for each text, through Rasa's own parsing."""
    return [(p["intent"]["name"], p["intent"]["confidence"]) for p in parse(model, texts)[0]]


def train_model(examples: Examples, work: Path) -> Tuple[str, float]:
    data_file = write(to_training_data(examples), work / "train.yml")
    return train(benchmark_config(), data_file, work)


def accuracy(gold: List[str], predicted: List[str]) -> float:
    return 100 * sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def run_banking77(work: Path) -> Dict[str, float]:
    test = banking77("test")
    model, seconds = train_model(banking77("train"), work)
    predicted = [label for label, _ in classify(model, [t for t, _ in test])]
    return {"accuracy": accuracy([g for _, g in test], predicted), "train_s": seconds}


def with_threshold(predictions: List[Tuple[str, float]], threshold: float) -> List[str]:
    return [OOS if confidence < threshold else label for label, confidence in predictions]


def choose_threshold(
    in_scope: List[Tuple[str, float]], in_gold: List[str], oos: List[Tuple[str, float]]
) -> float:
    """The threshold that maximises accuracy over val + oos_val (all 151 classes)."""
    gold = in_gold + [OOS] * len(oos)
    best, best_score = 0.0, -1.0
    for step in range(0, 100):
        threshold = step / 100
        score = accuracy(gold, with_threshold(in_scope + oos, threshold))
        if score > best_score:
            best, best_score = threshold, score
    return best


def run_clinc150(work: Path) -> Dict[str, float]:
    data = clinc150()
    model, seconds = train_model(data["train"] + data["oos_train"], work)
    val = classify(model, [t for t, _ in data["val"]])
    oos_val = classify(model, [t for t, _ in data["oos_val"]])
    threshold = choose_threshold(val, [g for _, g in data["val"]], oos_val)
    test = classify(model, [t for t, _ in data["test"]])
    oos_test = classify(model, [t for t, _ in data["oos_test"]])
    gold = [g for _, g in data["test"]]
    result = {"train_s": seconds, "threshold": threshold}
    for name, cut in (("plain", 0.0), ("threshold", threshold)):
        result[f"{name}_in_scope"] = accuracy(gold, with_threshold(test, cut))
        result[f"{name}_oos_recall"] = (
            100 * sum(p == OOS for p in with_threshold(oos_test, cut)) / len(oos_test)
        )
    return result


def in_scratch(run: Callable[[Path], Dict[str, float]]) -> Dict[str, float]:
    """``run`` with a scratch folder for its model, deleted afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        return run(Path(tmp))


def table(title: str, *columns: str) -> None:
    """A Markdown table's title, header and rule (the figures follow a row a print)."""
    print(f"\n{title}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))


def main() -> int:
    quiet_rasa()
    wanted = os.environ.get("BENCH_PUBLIC", "banking77,clinc150").split(",")
    started = time.perf_counter()
    if "banking77" in wanted:
        b = in_scratch(run_banking77)
        table("BANKING77 (train 10,003 / test 3,080), test accuracy %", "system", "accuracy")
        print(f"| **{variant_label()}, CPU, trained in {b['train_s']:.0f} s** | **{b['accuracy']:.2f}** |")
        for name, figure in PUBLISHED["banking77"]:
            print(f"| {name} (published) | {figure:.2f} |")
        print(f"\ngap to BERT-Tuned: {b['accuracy'] - 93.66:+.2f} points (target: within 2)", flush=True)
    if "clinc150" in wanted:
        c = in_scratch(run_clinc150)
        table(
            "CLINC150 full (train 15,000 + 100 oos / test 4,500 + 1,000 oos), %",
            "system",
            "in-scope accuracy",
            "out-of-scope recall",
        )
        print(
            f"| **{variant_label()}, oos as a class (trained in {c['train_s']:.0f} s)** | "
            f"**{c['plain_in_scope']:.1f}** | {c['plain_oos_recall']:.1f} |"
        )
        print(
            f"| **{variant_label()} + confidence threshold {c['threshold']:.2f} (chosen on val)** | "
            f"{c['threshold_in_scope']:.1f} | {c['threshold_oos_recall']:.1f} |"
        )
        recall = dict(PUBLISHED_OOS_RECALL)
        for name, figure in PUBLISHED["clinc150"]:
            print(f"| {name} (published) | {figure:.1f} | {recall.get(name, float('nan')):.1f} |")
        print(f"| BERT + threshold (published) | | {recall['BERT + threshold']:.1f} |")
        print(f"\nin-scope accuracy vs Rasa (published 91.5): {c['plain_in_scope'] - 91.5:+.1f} points")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
