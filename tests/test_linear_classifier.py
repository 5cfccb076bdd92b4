"""bot.nlu.linear_classifier trained and loaded by Rasa itself, on a small pipeline.

The shipped model is exercised by every conversation test; these check what
those cannot see: the saved model is arrays only (loading it runs no code),
a loaded model answers exactly as the trained one did, and the confidences
form a ranking Rasa's FallbackClassifier can use.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pytest

from tests.support.small_pipeline import EXAMPLES, parse, train_small

PIPELINE = [
    {"name": "WhitespaceTokenizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
    {"name": "bot.nlu.linear_classifier.LinearIntentClassifier", "C": 10.0},
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_small(tmp_path_factory.mktemp("linear"), PIPELINE)


def test_unseen_wording_gets_the_right_intent(trained: Path) -> None:
    results = parse(trained, ["could i borrow a tablet", "free sim card", "hello there"])
    assert [r["intent"]["name"] for r in results] == ["get_device", "get_connectivity", "greet"]


def test_ranking_is_a_probability_distribution_best_first(trained: Path) -> None:
    (result,) = parse(trained, ["i need a laptop for my job search"])
    confidences = [r["confidence"] for r in result["intent_ranking"]]
    assert result["intent"] == result["intent_ranking"][0]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0, abs=1e-6)
    assert {r["name"] for r in result["intent_ranking"]} == set(EXAMPLES)


def test_model_file_is_arrays_only_and_reloads_to_the_same_answers(trained: Path, tmp_path: Path) -> None:
    with tarfile.open(trained) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("linear_intent_classifier.npz"))
        archive.extract(member, tmp_path)
    saved = np.load(tmp_path / member.name, allow_pickle=False)  # raises if anything needs unpickling
    assert {"classes", "coef", "intercept", "blocks", "widths"} <= set(saved.files)
    assert sorted(saved["classes"]) == sorted(EXAMPLES)
    texts = ["can i have a free laptop", "no internet at home", "hi"]
    first, again = parse(trained, texts), parse(trained, texts)
    assert [r["intent_ranking"] for r in first] == [r["intent_ranking"] for r in again]
