"""NLU benchmark: the project's pipeline against Rasa's default, same data, same run.

For each pipeline variant it trains on data/nlu and prints, in one table:
held-out macro F1 (tests/nlu_holdout.yml, never trained on), k-fold
cross-validation macro F1 on the training data, macro F1 on the held-out file
misspelt by tests/support/nlu_perturb.py (typos, missing spaces, text-speak, capitals),
the false-signpost rate on CLINC150's out-of-domain test questions (travel,
cooking, cars, work, home, utilities: a signposting answer to any of them is
wrong), parse latency, training time and model size. Then, for config.yml, it
compares a staff retrain by fine-tuning (the staff console's ``--finetune``)
with a full training, in held-out macro F1 and seconds.

    make bench-nlu                       # 5 folds, all variants (hours on 2 cores: see below)
    BENCH_FOLDS=0 make bench-nlu         # held-out file only
    BENCH_CV_VARIANTS=all make bench-nlu        # cross-validate the baseline too
    BENCH_VARIANTS=signpost,rasa-default make bench-nlu
    BENCH_FINETUNE=0 make bench-nlu      # skip the staff fine-tuning comparison
    BENCH_SHOW_FALSE_SIGNPOSTS=1 make bench-nlu   # list the out-of-domain questions signposted

Rasa's default DIET (two transformer layers, 100 epochs) trains at about
15 s an epoch on this data on 2 cores, so its cross-validation alone takes
over two hours: by default it is cross-validated only when BENCH_CV_VARIANTS
names it (or is "all"). Run the whole thing as a background job.

Variants:
  rasa-default       Rasa 3.6's default pipeline (the named baseline)
  signpost           config.yml (spaCy lemmas, location rules, word and character
                     n-grams and MiniLM sentence embeddings, the linear
                     classifier, the fallback and the in-domain gate)
  signpost-diet      config.yml with DIET on sparse features in place of the
                     linear classifier (the choice before it)
  signpost-no-minilm-feature  the classifier without the MiniLM embedding as a
                     feature (the gate still uses it)
  signpost-no-gate   config.yml without the in-domain gate
  signpost-no-spelling  config.yml without the spelling corrector
  signpost-no-spacy  config.yml with Rasa's WhitespaceTokenizer instead of spaCy

Scores follow bot/nlu/scoring.py: a prediction of nlu_fallback counts as
correct only for out_of_scope examples (the intent contract allows it there).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import yaml  # noqa: E402
from public_data import clinc150_out_of_domain  # noqa: E402
from rasa.core.agent import Agent  # noqa: E402
from rasa.model_training import train_nlu  # noqa: E402
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402
from rasa.utils.log_utils import configure_structlog  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from bot.needs import SIGNPOSTING_INTENTS  # noqa: E402
from bot.nlu.scoring import Scores, score  # noqa: E402
from bot.staff.training import FINETUNE_EPOCHS  # noqa: E402
from tests.support.nlu_perturb import PERTURBATIONS, mixed, perturb_all  # noqa: E402

DATA = ROOT / "data" / "nlu"
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
SENTENCE_FEATURIZER = "bot.nlu.sentence_featurizer.SentenceEmbeddingFeaturizer"
GATE = "bot.nlu.in_domain_gate.InDomainGate"
LINEAR = "bot.nlu.linear_classifier.LinearIntentClassifier"
SPELLING = "bot.nlu.spelling.SpellingCorrector"


def project_config() -> dict:
    return yaml.safe_load((ROOT / "config.yml").read_text())


# The classifier config.yml used before the linear classifier: DIET on sparse
# features only (word 1-2-grams, character 1-4-grams, lexical features).
DIET = {
    "name": "DIETClassifier",
    "epochs": 80,
    "number_of_transformer_layers": 0,
    "entity_recognition": False,
    "constrain_similarities": True,
    "random_seed": 42,
}


def with_diet(config: dict) -> dict:
    """config.yml with DIET in place of the linear classifier, as the previous choice was."""
    diet = copy.deepcopy(config)
    pipeline = []
    for component in diet["pipeline"]:
        if component["name"] == LINEAR:
            pipeline.append(dict(DIET))
            continue
        if component["name"] == SENTENCE_FEATURIZER:
            component["add_features"] = False
        if component["name"] == "CountVectorsFeaturizer" and not any(
            c["name"] == "LexicalSyntacticFeaturizer" for c in pipeline
        ):
            pipeline.append({"name": "LexicalSyntacticFeaturizer"})
        pipeline.append(component)
    diet["pipeline"] = pipeline
    return diet


def variants() -> Dict[str, dict]:
    ours = project_config()
    ours.pop("policies", None)
    no_minilm = copy.deepcopy(ours)
    for component in no_minilm["pipeline"]:
        if component["name"] == SENTENCE_FEATURIZER:
            component["add_features"] = False
    no_gate = copy.deepcopy(ours)
    no_gate["pipeline"] = [c for c in ours["pipeline"] if c["name"] != GATE]
    no_spelling = copy.deepcopy(ours)
    no_spelling["pipeline"] = [c for c in ours["pipeline"] if c["name"] != SPELLING]
    no_spacy = copy.deepcopy(ours)
    no_spacy["pipeline"] = [
        {"name": "WhitespaceTokenizer"} if c["name"] == "SpacyTokenizer" else c
        for c in no_spacy["pipeline"]
        if c["name"] != "SpacyNLP"
    ]
    default = {"recipe": "default.v1", "language": "en", "assistant_id": "bench-default"}
    # The baseline first: it is the slowest, and the comparison needs it.
    return {
        "rasa-default": default,
        "signpost": ours,
        "signpost-diet": with_diet(ours),
        "signpost-no-minilm-feature": no_minilm,
        "signpost-no-gate": no_gate,
        "signpost-no-spelling": no_spelling,
        "signpost-no-spacy": no_spacy,
    }


def train(config: dict, data: Path, out: Path, finetune: Optional[str] = None) -> Tuple[str, float]:
    """Train (or, given a model, fine-tune) in ``out``; the model's path and the seconds taken."""
    config_path = out / "config.yml"
    config_path.write_text(yaml.safe_dump(config))
    # A fresh cache, so Rasa's training cache cannot make a variant look fast.
    os.environ["RASA_CACHE_DIRECTORY"] = str(out / "cache")
    started = time.perf_counter()
    model = train_nlu(
        str(config_path),
        str(data),
        str(out),
        fixed_model_name="finetuned" if finetune else "nlu",
        model_to_finetune=finetune,
        finetuning_epoch_fraction=FINETUNE_EPOCHS if finetune else 1.0,
    )
    return model, time.perf_counter() - started


Entities = List[set]


def parse(model: str, texts: List[str]) -> Tuple[List[dict], List[float]]:
    """Rasa's parse result and the parse time (ms) for each text."""
    agent = Agent.load(model)
    results, latencies = [], []

    async def run() -> None:
        for text in texts:
            started = time.perf_counter()
            results.append(await agent.parse_message(text))
            latencies.append((time.perf_counter() - started) * 1000)

    asyncio.run(run())
    return results, latencies


def predict(model: str, texts: List[str]) -> Tuple[List[str], List[float], Entities]:
    """Intent, parse time (ms) and {(entity, matched text)} for each text."""
    results, latencies = parse(model, texts)
    entities = [
        {
            (e["entity"], text[e["start"] : e["end"]].lower())
            for e in parsed.get("entities", [])
            if e["entity"] in ("postcode", "place")
        }
        for text, parsed in zip(texts, results, strict=True)
    ]
    return [parsed["intent"]["name"] for parsed in results], latencies, entities


def gold_entities(examples: list) -> Entities:
    return [
        {(e["entity"], m.get("text")[e["start"] : e["end"]].lower()) for e in m.get("entities") or []}
        for m in examples
    ]


def entity_f1(gold: Entities, found: Entities, kind: str) -> Tuple[float, float, float]:
    """Precision, recall and F1 of one entity type, by exact span text."""
    tp = sum(len({g for g in gs if g[0] == kind} & fs) for gs, fs in zip(gold, found, strict=True))
    n_found = sum(1 for fs in found for f in fs if f[0] == kind)
    n_gold = sum(1 for gs in gold for g in gs if g[0] == kind)
    precision = tp / n_found if n_found else 0.0
    recall = tp / n_gold if n_gold else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if tp else 0.0)


def write(data: TrainingData, path: Path) -> Path:
    RasaYAMLWriter().dump(path, data)
    return path


def fold_models(config: dict, examples: list, folds: int, work: Path) -> Iterator[Tuple[str, List[int]]]:
    """For each of ``folds`` stratified, seeded folds: a model trained without it, and its indices."""
    labels = [e.get("intent") for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
    for i, (train_idx, test_idx) in enumerate(splitter.split(examples, labels)):
        fold = work / f"fold{i}"
        fold.mkdir()
        model, _ = train(
            config, write(TrainingData([examples[j] for j in train_idx]), fold / "train.yml"), fold
        )
        yield model, list(test_idx)


def cross_validate(config: dict, data: TrainingData, folds: int, work: Path) -> float:
    examples = data.intent_examples
    f1s = []
    for model, held_back in fold_models(config, examples, folds, work):
        predicted, _, _ = predict(model, [examples[j].get("text") for j in held_back])
        f1s.append(score([examples[j].get("intent") for j in held_back], predicted).macro_f1)
    return statistics.mean(f1s)


@dataclass
class Finetune:
    full_f1: float
    full_seconds: float
    finetuned_f1: float
    finetuned_seconds: float


def finetune_check(config: dict, training: TrainingData, holdout: TrainingData, work: Path) -> Finetune:
    """What a staff retrain does: the live model lacks some taught examples, then learns them.

    The "live" model is trained on 90% of the examples (stratified); then it is
    fine-tuned on all of them with the staff console's epoch fraction, against
    a full training on all of them. Both are scored on the held-out file.
    """
    examples = training.intent_examples
    labels = [e.get("intent") for e in examples]
    splitter = StratifiedKFold(n_splits=10, shuffle=True, random_state=7)
    kept, _ = next(splitter.split(examples, labels))
    (work / "live").mkdir()
    live, _ = train(
        config, write(TrainingData([examples[j] for j in kept]), work / "live" / "train.yml"), work / "live"
    )
    texts = [e.get("text") for e in holdout.intent_examples]
    gold = [e.get("intent") for e in holdout.intent_examples]
    results = []
    for name, base in (("full", None), ("finetuned", live)):
        (work / name).mkdir()
        model, seconds = train(config, DATA, work / name, finetune=base)
        results += [score(gold, predict(model, texts)[0]).macro_f1, seconds]
    return Finetune(*results)


def percentile(values: List[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


@dataclass
class Result:
    held: Scores
    cv: float
    perturbed: Scores
    perturbed_by_kind: Dict[str, float]
    false_signpost: float
    train_seconds: float
    latencies: List[float]
    model_mb: float
    entities: Dict[str, Tuple[float, float, float]]


def false_signpost_rate(predicted: List[str]) -> float:
    return sum(p in SIGNPOSTING_INTENTS for p in predicted) / len(predicted)


def show_false_signposts(name: str, texts: List[str], predicted: List[str]) -> None:
    """What the out-of-domain questions that got a signposting intent were (to read, never to train on)."""
    hits = [(p, t) for t, p in zip(texts, predicted, strict=True) if p in SIGNPOSTING_INTENTS]
    print(f"\n{name}: {len(hits)} false signposts of {len(texts)}")
    for intent, text in sorted(hits):
        print(f"  {intent:20} {text}")


def evaluate(
    name: str, config: dict, training: TrainingData, holdout: TrainingData, folds: int, cross_validated: bool
) -> Result:
    gold = [e.get("intent") for e in holdout.intent_examples]
    texts = [e.get("text") for e in holdout.intent_examples]
    out_of_domain = [text for text, _ in clinc150_out_of_domain("test")]
    perturbed = {kind: perturb_all(texts, kind) for kind in PERTURBATIONS}
    batches = [texts, mixed(texts), *perturbed.values(), out_of_domain]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model, seconds = train(config, DATA, work)
        predicted, latencies, found = predict(model, [t for batch in batches for t in batch])
        size = Path(model).stat().st_size / 1e6
        cv = cross_validate(config, training, folds, work) if cross_validated else float("nan")
    parts, at = [], 0
    for batch in batches:
        parts.append(predicted[at : at + len(batch)])
        at += len(batch)
    held_pred, mixed_pred, *by_kind, ood_pred = parts
    if os.environ.get("BENCH_SHOW_FALSE_SIGNPOSTS") == "1":
        show_false_signposts(name, out_of_domain, ood_pred)
    return Result(
        held=score(gold, held_pred),
        cv=cv,
        perturbed=score(gold, mixed_pred),
        perturbed_by_kind={k: score(gold, p).macro_f1 for k, p in zip(perturbed, by_kind, strict=True)},
        false_signpost=false_signpost_rate(ood_pred),
        train_seconds=seconds,
        latencies=latencies[: len(texts)],
        model_mb=size,
        entities={
            k: entity_f1(gold_entities(holdout.intent_examples), found[: len(texts)], k)
            for k in ("postcode", "place")
        },
    )


def report(results: Dict[str, Result], folds: int) -> None:
    print(
        f"\n| pipeline | held-out accuracy | held-out macro F1 | {folds}-fold CV macro F1 | "
        "perturbed macro F1 | CLINC150 out-of-domain false signposts | train s | "
        "parse p50 ms | parse p95 ms | model MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r.held.accuracy:.3f} | {r.held.macro_f1:.3f} | {r.cv:.3f} | "
            f"{r.perturbed.macro_f1:.3f} | {r.false_signpost:.1%} | {r.train_seconds:.0f} | "
            f"{percentile(r.latencies, 50):.1f} | {percentile(r.latencies, 95):.1f} | {r.model_mb:.1f} |"
        )
    names = list(results)
    print("\nheld-out macro F1 by perturbation (drop from clean)\n")
    print("| perturbation | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for kind in PERTURBATIONS:
        print(
            f"| {kind} | "
            + " | ".join(
                f"{score:.3f} ({score - results[n].held.macro_f1:+.3f})"
                for n in names
                for score in [results[n].perturbed_by_kind[kind]]
            )
            + " |"
        )
    if len(results) > 1:
        print("\nper-intent held-out F1\n")
        print("| intent | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for intent in sorted(next(iter(results.values())).held.per_intent):
            print(
                f"| {intent} | "
                + " | ".join(f"{results[n].held.per_intent[intent]:.2f}" for n in names)
                + " |"
            )
    print("\nheld-out entities (exact span): precision / recall / F1\n")
    print("| pipeline | postcode | place |")
    print("|---|---|---|")
    for name, r in results.items():
        cells = [" / ".join(f"{v:.2f}" for v in r.entities[k]) for k in ("postcode", "place")]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if "signpost" in results and "rasa-default" in results:
        ours, base = results["signpost"], results["rasa-default"]
        print(
            f"\nheld-out macro F1: signpost {ours.held.macro_f1:.3f} vs rasa-default "
            f"{base.held.macro_f1:.3f} ({ours.held.macro_f1 - base.held.macro_f1:+.3f}); "
            f"out-of-domain false signposts {ours.false_signpost:.1%} vs {base.false_signpost:.1%} "
            "(target under 3%)"
        )


def quiet_rasa() -> None:
    logging.disable(logging.WARNING)
    configure_structlog(logging.WARNING)  # Rasa logs parsed texts at debug level


def main() -> int:
    quiet_rasa()
    folds = int(os.environ.get("BENCH_FOLDS", "5"))
    only = os.environ.get("BENCH_VARIANTS")
    cv_only = os.environ.get(
        "BENCH_CV_VARIANTS", "signpost,signpost-diet,signpost-no-minilm-feature,signpost-no-spacy"
    )
    training = load_data(str(DATA))
    holdout = load_data(str(HOLDOUT))
    print(
        f"training examples: {len(training.intent_examples)}, held-out: "
        f"{len(holdout.intent_examples)}, intents: {len(training.intents)}, folds: {folds}\n"
    )
    configs = variants()
    wanted = [name for name in configs if not only or name in only.split(",")]
    results: Dict[str, Result] = {}
    for name in wanted:
        config = configs[name]
        wants_cv = folds > 1 and (cv_only == "all" or name in cv_only.split(","))
        r = results[name] = evaluate(name, config, training, holdout, folds, wants_cv)
        print(
            f"{name}: held-out macro F1 {r.held.macro_f1:.3f}, cv {r.cv:.3f}, perturbed "
            f"{r.perturbed.macro_f1:.3f}, false signposts {r.false_signpost:.1%}, "
            f"train {r.train_seconds:.0f}s",
            flush=True,
        )
    report(results, folds)
    if os.environ.get("BENCH_FINETUNE", "1") != "0" and "signpost" in wanted:
        with tempfile.TemporaryDirectory() as tmp:
            f = finetune_check(configs["signpost"], training, holdout, Path(tmp))
        print(
            f"\nstaff retrain (signpost, live model trained on 90% of the examples, then taught the rest):\n"
            f"| retrain | held-out macro F1 | train s |\n|---|---|---|\n"
            f"| full training (baseline) | {f.full_f1:.3f} | {f.full_seconds:.0f} |\n"
            f"| fine-tune the live model, {FINETUNE_EPOCHS:g} of the epochs | {f.finetuned_f1:.3f} | "
            f"{f.finetuned_seconds:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
