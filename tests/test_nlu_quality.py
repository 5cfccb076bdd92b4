"""The trained model, asked through the real Rasa server's /model/parse.

Residents misspell, leave out spaces, write in text-speak or in capitals; they
also ask about flights and recipes. These tests hold the model to the figures
issue 7 asks for, measured on files it was never trained on:

- held-out macro F1 stays at target, and misspelt it stays above a floor;
- CLINC150's out-of-domain test questions (travel, cooking, cars, work, home,
  utilities) almost never get a signposting answer (under 3%).

``make bench-nlu`` prints the same figures for several pipelines.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from typing import List

import pytest
import requests

from bot.needs import SIGNPOSTING_INTENTS
from bot.nlu.scoring import macro_f1
from bot.settings import PROJECT_ROOT
from tests.support.nlu_perturb import PERTURBATIONS, perturb_all

sys.path.append(str(PROJECT_ROOT / "bench"))  # last: bench/telegram.py must not shadow python-telegram-bot
from public_data import BENCHMARKS, clinc150_out_of_domain  # noqa: E402

pytestmark = pytest.mark.stack

HELD_OUT_TARGET = 0.95
# Floors for the held-out file misspelt each way, a few points under what
# bench-nlu measured for config.yml (docs/performance.md; training is
# deterministic, so a model trained from scratch elsewhere lands within a
# point). Typos and missing spaces cost most: MiniLM's word pieces break on
# them, and the in-domain gate sends some misspelt needs to "say it another
# way", which still offers the right need as the first button.
MIN_PERTURBED_F1 = {"typos": 0.93, "missing spaces": 0.90, "text-speak": 0.90, "all capitals": 0.95}


def holdout() -> tuple[List[str], List[str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(PROJECT_ROOT / "tests" / "nlu_holdout.yml")).intent_examples
    return [e.get("text") for e in examples], [e.get("intent") for e in examples]


def parse_all(stack, texts: List[str]) -> List[str]:
    session = requests.Session()

    def parse(text: str) -> str:
        response = session.post(
            f"{stack.rasa_url}/model/parse", params={"token": stack.token}, json={"text": text}, timeout=60
        )
        response.raise_for_status()
        return response.json()["intent"]["name"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(parse, texts))


@pytest.fixture(scope="module")
def clean_f1(stack) -> float:
    texts, gold = holdout()
    return macro_f1(gold, parse_all(stack, texts))


def test_held_out_file_at_target(clean_f1: float) -> None:
    assert clean_f1 >= HELD_OUT_TARGET


@pytest.mark.parametrize("kind", list(PERTURBATIONS))
def test_misspelt_held_out_file_is_still_understood(stack, clean_f1: float, kind: str) -> None:
    texts, gold = holdout()
    perturbed = perturb_all(texts, kind)
    assert perturbed != texts
    f1 = macro_f1(gold, parse_all(stack, perturbed))
    assert f1 >= MIN_PERTURBED_F1[kind], (
        f"{kind}: macro F1 {f1:.3f} (clean {clean_f1:.3f}, drop {clean_f1 - f1:.3f})"
    )


@pytest.mark.skipif(not (BENCHMARKS / "clinc150").exists(), reason="CLINC150 not present")
def test_out_of_domain_questions_are_not_signposted(stack) -> None:
    questions = [text for text, _ in clinc150_out_of_domain("test")]
    predicted = parse_all(stack, questions)
    signposted = [(q, p) for q, p in zip(questions, predicted, strict=True) if p in SIGNPOSTING_INTENTS]
    rate = len(signposted) / len(questions)
    assert len(questions) == 2700
    assert rate < 0.03, f"{rate:.1%} signposted, e.g. {signposted[:5]}"
