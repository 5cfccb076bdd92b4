"""bot.nlu.linear_classifier trained and loaded by Rasa itself, on a small pipeline.

The shipped model is exercised by every conversation test; these check what
those cannot see: the saved model is arrays only (loading it runs no code),
a loaded model answers exactly as the trained one did, and the confidences
form a ranking Rasa's FallbackClassifier can use.
"""

from __future__ import annotations

import asyncio
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import yaml

EXAMPLES: Dict[str, List[str]] = {
    "get_device": ["i need a laptop", "can i get a free tablet", "i cant afford a computer",
                   "where can i borrow a laptop", "do you give out old phones", "looking for a cheap pc"],
    "get_connectivity": ["i need a free sim", "no data on my phone", "where can i get free wifi",
                         "cant afford broadband", "my phone has no credit for internet", "free mobile data please"],
    "greet": ["hello", "hi there", "good morning", "hey", "hiya", "afternoon"],
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rasa.model_training import train_nlu

    work = tmp_path_factory.mktemp("linear")
    nlu = {"version": "3.1", "nlu": [
        {"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
        for intent, texts in EXAMPLES.items()
    ]}
    (work / "nlu.yml").write_text(yaml.safe_dump(nlu, sort_keys=False))
    config = {"recipe": "default.v1", "language": "en", "assistant_id": "linear-test", "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
        {"name": "bot.nlu.linear_classifier.LinearIntentClassifier", "C": 10.0},
    ]}
    (work / "config.yml").write_text(yaml.safe_dump(config))
    model = train_nlu(str(work / "config.yml"), str(work / "nlu.yml"), str(work / "out"), fixed_model_name="m")
    return Path(model)


def parse(model: Path, texts: List[str]) -> List[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def run() -> List[dict]:
        return [await agent.parse_message(text) for text in texts]

    # A thread of its own: other tests (Playwright) may leave an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


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
