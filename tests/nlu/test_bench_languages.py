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


def test_the_unseen_file_is_scored_per_language_english_included(bench: ModuleType) -> None:
    """Every language of tests/nlu/language_holdout_unseen.yml, English too, gets its own scores."""
    unseen = bench.language_holdout.load(bench.UNSEEN).by_language
    assert bench.UNSEEN.name == "language_holdout_unseen.yml" and "en" in unseen
    right = [[m.intent for m in messages] for messages in unseen.values()]
    wrong = [["greet"] * len(messages) for messages in unseen.values()]
    scored = bench.scores_by_language(unseen, right)
    assert set(scored) == set(unseen)
    assert all(s.macro_f1 == 1.0 and s.examples == len(unseen[c]) for c, s in scored.items())
    assert all(s.macro_f1 < 0.2 for s in bench.scores_by_language(unseen, wrong).values())


def test_the_unseen_table_has_its_own_title_english_and_the_mean_of_the_others(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.nlu.scoring import score
    from bot.wording import SUPPORTED_LANGUAGES

    gold = ["greet", "thank", "deny", "out_of_scope"]
    half = ["greet", "thank", "greet", "greet"]

    def scores(english: list, others: list) -> dict:
        return {code: score(gold, english if code == "en" else others) for code in SUPPORTED_LANGUAGES}

    bench.report_unseen({"signpost": scores(gold, half), bench.ENGLISH_ONLY: scores(half, half)})
    out = capsys.readouterr().out
    print(out)  # the sample in the report
    assert "UNSEEN held-out file (tests/nlu/language_holdout_unseen.yml" in out
    assert f"| language | unseen messages | signpost | {bench.ENGLISH_ONLY} |" in out
    assert "| en | 4 | 1.000 | 0.375 |" in out
    assert "| mean of the 7 languages other than English |  | 0.375 | 0.375 |" in out
    assert f"unseen English macro F1: signpost 1.000 vs {bench.ENGLISH_ONLY} 0.375 (+0.625)" in out


def test_evaluate_scores_the_unseen_messages_apart_from_the_other_batches(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Training and parsing faked: a model that knows only the unseen file's messages scores 1.0 on
    each of its languages and nothing on the first held-out file, so no batch is shifted onto another."""
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    unseen = bench.language_holdout.load(bench.UNSEEN).by_language
    known = {m.text: m.intent for messages in unseen.values() for m in messages}
    model = tmp_path / "nlu.tar.gz"
    model.write_bytes(b"0")

    def fake_predict(_: str, texts: list) -> tuple:
        return [known.get(t, "nlu_fallback") for t in texts], [1.0] * len(texts), [set() for _ in texts]

    monkeypatch.setattr(bench, "train", lambda *_, **__: (str(model), 1.0))
    monkeypatch.setattr(bench, "predict", fake_predict)
    monkeypatch.setattr(bench, "clinc150_out_of_domain", lambda _: [("book me a flight", "book_flight")])
    holdout = TrainingData([Message.build(text="hiya there", intent="greet")])
    first = {"cy": [bench.language_holdout.HeldOut("helo bawb", "cy", "greet")]}
    r = bench.evaluate("signpost", {}, bench.DATA, holdout, first, 0, False, unseen)
    assert {c: s.macro_f1 for c, s in r.unseen_by_language.items()} == {c: 1.0 for c in unseen}
    assert r.by_language["cy"].macro_f1 == 0.0 and r.held.macro_f1 == 0.0
