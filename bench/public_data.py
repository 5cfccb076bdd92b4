"""Loaders for the public benchmarks in ../shared/benchmarks (evaluation only).

Their text never enters data/: tests/test_nlu_data.py checks that no training
example appears in them.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = Path(os.environ.get("BENCHMARKS_DIR", ROOT.parent / "shared" / "benchmarks"))

# CLINC150 domains a digital-inclusion signposting bot does not serve (issue 7).
OUT_OF_DOMAIN = ("travel", "kitchen_and_dining", "auto_and_commute", "work", "home", "utility")

Examples = List[Tuple[str, str]]  # (text, label)


def clinc150() -> Dict[str, Examples]:
    """Splits of CLINC150 "full": train, val, test, oos_train, oos_val, oos_test."""
    data = json.loads((BENCHMARKS / "clinc150" / "data_full.json").read_text())
    return {split: [(text, label) for text, label in rows] for split, rows in data.items()}


def clinc150_domains() -> Dict[str, List[str]]:
    return json.loads((BENCHMARKS / "clinc150" / "domains.json").read_text())


def clinc150_out_of_domain(split: str = "test") -> Examples:
    """The split's questions from the domains in OUT_OF_DOMAIN."""
    domains = clinc150_domains()
    intents = {intent for domain in OUT_OF_DOMAIN for intent in domains[domain]}
    return [(text, label) for text, label in clinc150()[split] if label in intents]


def banking77(split: str) -> Examples:
    with (BENCHMARKS / "banking77" / f"{split}.csv").open(newline="") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]
