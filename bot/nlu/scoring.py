"""How NLU predictions are scored: one rule for the benchmarks, the staff console and the tests.

A prediction of ``nlu_fallback`` ("can you say it another way?") counts as
right for an ``out_of_scope`` example, since the intent contract allows
either answer there; for every other example it is wrong. Macro F1 averages
over the intents of the gold labels only, so a model is not rewarded for
intents the file does not test.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Sequence

from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME as FALLBACK
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

OUT_OF_SCOPE = "out_of_scope"


def credited(gold: Sequence[str], predicted: Sequence[str]) -> List[str]:
    """``predicted`` with each fallback on an out_of_scope example turned into out_of_scope."""
    return [g if (p == FALLBACK and g == OUT_OF_SCOPE) else p for g, p in zip(gold, predicted, strict=True)]


@dataclass(frozen=True)
class Scores:
    """Accuracy, macro F1, F1 per intent, and the confusion matrix (rows: gold labels; columns: those
    labels, then any other predicted intent, such as the fallback)."""

    macro_f1: float
    accuracy: float
    per_intent: Dict[str, float]
    labels: List[str]
    columns: List[str]
    matrix: List[List[int]]
    examples: int

    def as_dict(self) -> Dict[str, Any]:
        """Plain JSON-ready values (what the staff console stores per model)."""
        return asdict(self)


def score(gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    predicted = credited(gold, predicted)
    labels = sorted(set(gold))
    per = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
    columns = labels + sorted(set(predicted) - set(labels))
    matrix = confusion_matrix(gold, predicted, labels=columns)[: len(labels)]
    return Scores(
        macro_f1=float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        accuracy=float(accuracy_score(gold, predicted)),
        per_intent={label: float(f) for label, f in zip(labels, per, strict=True)},
        labels=labels,
        columns=columns,
        matrix=matrix.tolist(),
        examples=len(gold),
    )


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return score(gold, predicted).macro_f1
