"""The one scoring rule (bot/nlu/scoring.py) that bench-nlu, the staff console and the quality tests share."""

from __future__ import annotations

import pytest

from bot.nlu import scoring
from bot.staff import evaluate


def test_fallback_is_right_for_out_of_scope_only() -> None:
    gold = ["out_of_scope", "get_device", "get_device", "greet"]
    predicted = ["nlu_fallback", "nlu_fallback", "get_device", "greet"]
    scores = scoring.score(gold, predicted)
    assert scores.per_intent == {"get_device": pytest.approx(2 / 3), "greet": 1.0, "out_of_scope": 1.0}
    assert scores.accuracy == 0.75
    assert scores.macro_f1 == pytest.approx((2 / 3 + 1 + 1) / 3)
    assert scoring.macro_f1(gold, predicted) == scores.macro_f1


def test_macro_f1_averages_over_the_gold_intents_only() -> None:
    # "thank" is predicted but never asked for: it costs get_device, but is not averaged in as a zero.
    scores = scoring.score(["get_device", "get_device"], ["get_device", "thank"])
    assert list(scores.per_intent) == ["get_device"]
    assert scores.macro_f1 == pytest.approx(2 / 3)
    assert scores.columns == ["get_device", "thank"]
    assert scores.matrix == [[1, 1]]


def test_the_staff_console_stores_the_same_scores() -> None:
    """The staff console's evaluation writes scoring's figures as JSON (the Models page reads these keys)."""
    assert evaluate.score is scoring.score
    stored = scoring.score(["greet", "out_of_scope"], ["greet", "nlu_fallback"]).as_dict()
    assert stored == {
        "macro_f1": 1.0,
        "accuracy": 1.0,
        "per_intent": {"greet": 1.0, "out_of_scope": 1.0},
        "labels": ["greet", "out_of_scope"],
        "columns": ["greet", "out_of_scope"],
        "matrix": [[1, 0], [0, 1]],
        "examples": 2,
    }
