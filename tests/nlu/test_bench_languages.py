"""bench/nlu.py's per-language parts (issue 16): which file is which language, what the previous
pipeline is trained on, and how out-of-scope answers are counted. No model is trained here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bot.needs import SIGNPOSTING_INTENTS
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """bench/nlu.py loaded by path; its own sys.path additions undone so bench/telegram.py cannot
    shadow python-telegram-bot for the tests that follow."""
    saved = list(sys.path)
    spec = importlib.util.spec_from_file_location("bench_nlu", PROJECT_ROOT / "bench" / "nlu.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    return module


def test_each_file_has_its_language(bench: ModuleType) -> None:
    assert bench.file_language(Path("data/nlu/lang_pl.yml")) == "pl"
    assert bench.file_language(Path("data/nlu/lang_cy.yml")) == "cy"
    assert bench.file_language(Path("data/nlu/change_language.yml")) == "mixed"
    assert bench.file_language(Path("data/nlu/signposting.yml")) == "en"


def test_the_previous_pipeline_sees_english_only(bench: ModuleType, tmp_path: Path) -> None:
    """The baseline is what residents had before: none of the new languages' examples."""
    copied = {p.name for p in bench.english_data(tmp_path).glob("*.yml")}
    everything = {p.name for p in bench.DATA.glob("*.yml")}
    assert copied and copied < everything
    assert not {name for name in copied if name.startswith("lang_") or name == "change_language.yml"}
    assert {"signposting.yml", "conversation.yml", "location.yml", "out_of_scope.yml"} <= copied


def test_the_previous_pipeline_is_pinned_before_issue_16(bench: ModuleType) -> None:
    config = bench.previous_config()
    assert config is not None, "git show of the pinned config.yml failed"
    names = [c["name"] for c in config["pipeline"]]
    assert "bot.nlu.linear_classifier.LinearIntentClassifier" in names
    assert not any("language" in name for name in names)
    assert "policies" not in config


def test_out_of_scope_signposted_counts_only_out_of_scope_messages(bench: ModuleType) -> None:
    need = sorted(SIGNPOSTING_INTENTS)[0]
    gold = ["out_of_scope", "out_of_scope", "out_of_scope", need]
    predicted = [need, "nlu_fallback", "greet", need]
    assert bench.signposted_out_of_scope(gold, predicted) == (1, 3)
