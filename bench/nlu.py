"""NLU benchmark: the project's pipeline against Rasa's default, same data, same run.

For each pipeline variant it trains on data/nlu and prints, in one table:
held-out macro F1 (tests/nlu_holdout.yml, never trained on), k-fold
cross-validation macro F1 on the training data, macro F1 on the held-out file
misspelt by tests/support/nlu_perturb.py (typos, missing spaces, text-speak, capitals),
the false-signpost rate on CLINC150's out-of-domain test questions (travel,
cooking, cars, work, home, utilities: a signposting answer to any of them is
wrong), parse latency, training time and model size. Then, per language
(issue 16), macro F1 on that language's messages of tests/nlu/language_holdout.yml
(English keeps tests/nlu_holdout.yml), cross-validation macro F1 on that
language's training examples (data/nlu/lang_<code>.yml; the same folds as the
overall figure, predictions pooled over the folds), and the share of the
language's held-out out-of-scope messages that got a signposting intent, for
every variant beside the named baseline of this round: the pipeline before
issue 16 (config.yml as of BASELINE_CONFIG_COMMIT) trained on the English
files only. Then macro F1 per language on tests/nlu/language_holdout_unseen.yml,
the second held-out file that nobody tunes against (English too: its own English
messages, on which the previous pipeline is scored as well), with the mean of the
seven languages other than English. Then, for config.yml, it compares a staff
retrain by fine-tuning (the staff console's ``--finetune``) with a full training,
in held-out macro F1 and seconds.

    make bench-nlu                       # 5 folds, all variants (hours on 2 cores: see below)
    BENCH_FOLDS=0 make bench-nlu         # held-out file only
    BENCH_CV_VARIANTS=all make bench-nlu        # cross-validate the baseline too
    BENCH_VARIANTS=signpost,rasa-default make bench-nlu
    BENCH_VARIANTS=signpost,signpost-english-only BENCH_FOLDS=3 BENCH_FINETUNE=0 make bench-nlu
                                         # the per-language table, new against before (about 20 min)
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
  signpost-english-only  the previous pipeline (the named baseline for the
                     languages): config.yml as of BASELINE_CONFIG_COMMIT, the last
                     before issue 16, trained on data/nlu's English files only

Scores follow bot/nlu/scoring.py: a prediction of nlu_fallback counts as
correct only for out_of_scope examples (the intent contract allows it there).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
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
from tables import print_table  # noqa: E402

from bot.needs import SIGNPOSTING_INTENTS  # noqa: E402
from bot.nlu.scoring import Scores, score  # noqa: E402
from bot.staff.training import FINETUNE_EPOCHS  # noqa: E402
from bot.wording import SUPPORTED_LANGUAGES  # noqa: E402
from tests.support import language_holdout  # noqa: E402
from tests.support.nlu_perturb import PERTURBATIONS, mixed, perturb_all  # noqa: E402

DATA = ROOT / "data" / "nlu"
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
# The second held-out file, per language, English included: its figures are reported, never tuned on.
UNSEEN = ROOT / "tests" / "nlu" / "language_holdout_unseen.yml"
SENTENCE_FEATURIZER = "bot.nlu.sentence_featurizer.SentenceEmbeddingFeaturizer"
GATE = "bot.nlu.in_domain_gate.InDomainGate"
LINEAR = "bot.nlu.linear_classifier.LinearIntentClassifier"
SPELLING = "bot.nlu.spelling.SpellingCorrector"
# config.yml's last commit before issue 16 (languages): the previous pipeline, which the
# per-language table puts beside today's, trained on the English files only.
BASELINE_CONFIG_COMMIT = "65a6e7e784d83610bceb772bb5e13a1d798dac0e"
ENGLISH_ONLY = "signpost-english-only"
# data/nlu files that are not English: each language's own, and the one that mixes all eight.
MIXED_FILE = "change_language.yml"


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


def previous_config() -> Optional[dict]:
    """config.yml as it was before issue 16, read from git so the baseline cannot drift; None (with
    a note) where git or that commit is not there."""
    try:
        text = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{BASELINE_CONFIG_COMMIT}:config.yml"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        print(
            f"{ENGLISH_ONLY} left out: it needs config.yml of commit {BASELINE_CONFIG_COMMIT[:7]} "
            "from git (a clone with its history)",
            file=sys.stderr,
        )
        return None
    config = yaml.safe_load(text)
    config.pop("policies", None)
    return config


def file_language(path: Path) -> str:
    """The language of a data/nlu file: lang_<code>.yml is <code>, the change_language file mixes
    all eight ("mixed"), every other file is English."""
    if path.name.startswith("lang_"):
        return path.stem[len("lang_") :]
    return "mixed" if path.name == MIXED_FILE else "en"


def english_data(work: Path) -> Path:
    """A copy of data/nlu's English files only: what the previous pipeline was trained on."""
    folder = work / "english-data"
    folder.mkdir(exist_ok=True)
    for path in sorted(DATA.glob("*.yml")):
        if file_language(path) == "en":
            shutil.copy(path, folder / path.name)
    return folder


def example_languages(data: Path = DATA) -> Dict[Tuple[str, str], str]:
    """(text, intent) -> language of every training example in ``data``, from the file it is in."""
    languages: Dict[Tuple[str, str], str] = {}
    for path in sorted(data.glob("*.yml")):
        for example in load_data(str(path)).intent_examples:
            languages[(example.get("text"), example.get("intent"))] = file_language(path)
    return languages


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
    previous = previous_config()
    # The baseline first: it is the slowest, and the comparison needs it.
    configs = {
        "rasa-default": default,
        "signpost": ours,
        "signpost-diet": with_diet(ours),
        "signpost-no-minilm-feature": no_minilm,
        "signpost-no-gate": no_gate,
        "signpost-no-spelling": no_spelling,
        "signpost-no-spacy": no_spacy,
    }
    if previous is not None:
        configs[ENGLISH_ONLY] = previous
    return configs


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


def cross_validate(
    config: dict, data: TrainingData, folds: int, work: Path, languages: Dict[Tuple[str, str], str]
) -> Tuple[float, Dict[str, float]]:
    """Mean macro F1 over the folds, and per language the macro F1 of its examples' predictions
    pooled over the same folds (a language has too few examples in one fold to score alone)."""
    examples = data.intent_examples
    f1s = []
    pooled: Dict[str, Tuple[List[str], List[str]]] = {}
    for model, held_back in fold_models(config, examples, folds, work):
        predicted, _, _ = predict(model, [examples[j].get("text") for j in held_back])
        gold = [examples[j].get("intent") for j in held_back]
        f1s.append(score(gold, predicted).macro_f1)
        for j, g, p in zip(held_back, gold, predicted, strict=True):
            language = languages.get((examples[j].get("text"), g), "en")
            golds, preds = pooled.setdefault(language, ([], []))
            golds.append(g)
            preds.append(p)
    by_language = {language: score(g, p).macro_f1 for language, (g, p) in pooled.items()}
    return statistics.mean(f1s), by_language


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
    # Per language (issue 16): held-out scores (English: tests/nlu_holdout.yml), CV macro F1 of
    # that language's training examples, and (signposted, of) its held-out out-of-scope messages.
    by_language: Dict[str, Scores]
    held_gold: List[str]
    held_predicted: List[str]
    cv_by_language: Dict[str, float]
    out_of_scope_signposted: Dict[str, Tuple[int, int]]
    # Per language, scores on tests/nlu/language_holdout_unseen.yml (English: its own messages).
    unseen_by_language: Dict[str, Scores] = field(default_factory=dict)


def false_signpost_rate(predicted: List[str]) -> float:
    return sum(p in SIGNPOSTING_INTENTS for p in predicted) / len(predicted)


def show_false_signposts(name: str, texts: List[str], predicted: List[str]) -> None:
    """What the out-of-domain questions that got a signposting intent were (to read, never to train on)."""
    hits = [(p, t) for t, p in zip(texts, predicted, strict=True) if p in SIGNPOSTING_INTENTS]
    print(f"\n{name}: {len(hits)} false signposts of {len(texts)}")
    for intent, text in sorted(hits):
        print(f"  {intent:20} {text}")


def signposted_out_of_scope(gold: List[str], predicted: List[str]) -> Tuple[int, int]:
    """How many held-out out-of-scope messages got a signposting intent, of how many."""
    pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if g == "out_of_scope"]
    return sum(p in SIGNPOSTING_INTENTS for _, p in pairs), len(pairs)


def scores_by_language(
    messages: Dict[str, List[language_holdout.HeldOut]], predicted: List[List[str]]
) -> Dict[str, Scores]:
    """Each language's scores, from its messages' intents and the predictions for them (in order)."""
    return {
        language: score([m.intent for m in held], pred)
        for (language, held), pred in zip(messages.items(), predicted, strict=True)
    }


def evaluate(
    name: str,
    config: dict,
    data: Path,
    holdout: TrainingData,
    languages_holdout: Dict[str, List[language_holdout.HeldOut]],
    folds: int,
    cross_validated: bool,
    unseen: Optional[Dict[str, List[language_holdout.HeldOut]]] = None,
) -> Result:
    unseen = unseen or {}
    gold = [e.get("intent") for e in holdout.intent_examples]
    texts = [e.get("text") for e in holdout.intent_examples]
    out_of_domain = [text for text, _ in clinc150_out_of_domain("test")]
    perturbed = {kind: perturb_all(texts, kind) for kind in PERTURBATIONS}
    by_language = [[m.text for m in messages] for messages in languages_holdout.values()]
    by_language_unseen = [[m.text for m in messages] for messages in unseen.values()]
    batches = [texts, mixed(texts), *perturbed.values(), out_of_domain, *by_language, *by_language_unseen]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if name == ENGLISH_ONLY:
            data = english_data(work)
        model, seconds = train(config, data, work)
        predicted, latencies, found = predict(model, [t for batch in batches for t in batch])
        size = Path(model).stat().st_size / 1e6
        cv, cv_by_language = (
            cross_validate(config, load_data(str(data)), folds, work, example_languages(data))
            if cross_validated
            else (float("nan"), {})
        )
    parts, at = [], 0
    for batch in batches:
        parts.append(predicted[at : at + len(batch)])
        at += len(batch)
    held_pred, mixed_pred, *rest = parts
    by_kind, ood_pred, language_preds, unseen_preds = (
        rest[: len(perturbed)],
        rest[len(perturbed)],
        rest[len(perturbed) + 1 : len(perturbed) + 1 + len(by_language)],
        rest[len(perturbed) + 1 + len(by_language) :],
    )
    language_gold = {
        language: [m.intent for m in messages] for language, messages in languages_holdout.items()
    }
    language_scores = {"en": score(gold, held_pred)}
    out_of_scope = {"en": signposted_out_of_scope(gold, held_pred)}
    for language, pred in zip(languages_holdout, language_preds, strict=True):
        language_scores[language] = score(language_gold[language], pred)
        out_of_scope[language] = signposted_out_of_scope(language_gold[language], pred)
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
        by_language=language_scores,
        held_gold=gold,
        held_predicted=held_pred,
        cv_by_language=cv_by_language,
        out_of_scope_signposted=out_of_scope,
        unseen_by_language=scores_by_language(unseen, unseen_preds),
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


def report_languages(results: Dict[str, Result], folds: int) -> None:
    """Per language: held-out macro F1 / CV macro F1 for each variant, then the out-of-scope
    held-out messages signposted; English beside the previous pipeline's in the same run."""
    names = list(results)
    languages = [code for code in SUPPORTED_LANGUAGES if code in next(iter(results.values())).by_language]
    print(
        f"\nper language: held-out macro F1 / {folds}-fold CV macro F1 on that language's training "
        "examples (English held-out: tests/nlu_holdout.yml; others: tests/nlu/language_holdout.yml)\n"
    )
    print("| language | held-out messages | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for code in languages:
        cells = []
        for n in names:
            r = results[n]
            cv = r.cv_by_language.get(code)
            cells.append(f"{r.by_language[code].macro_f1:.3f} / " + (f"{cv:.3f}" if cv is not None else "–"))
        examples = results[names[0]].by_language[code].examples
        print(f"| {code} | {examples} | " + " | ".join(cells) + " |")
    others = [c for c in languages if c != "en"]
    if others:
        print(
            "| mean of the languages other than English | | "
            + " | ".join(
                f"{statistics.mean(results[n].by_language[c].macro_f1 for c in others):.3f}" for n in names
            )
            + " |"
        )
    print("\nheld-out out-of-scope messages that got a signposting answer (per language)\n")
    print("| language | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for code in languages:
        cells = []
        for n in names:
            hit, of = results[n].out_of_scope_signposted[code]
            cells.append(f"{hit}/{of}")
        print(f"| {code} | " + " | ".join(cells) + " |")
    print(
        "| CLINC150 out-of-domain test (English) | "
        + " | ".join(f"{results[n].false_signpost:.1%}" for n in names)
        + " |"
    )
    if ENGLISH_ONLY in results and "signpost" in results:
        ours, before = results["signpost"], results[ENGLISH_ONLY]
        # The previous pipeline cannot know intents added since (change_language): compare on the
        # held-out messages of the intents it was taught, too.
        taught = {
            e.get("intent")
            for path in DATA.glob("*.yml")
            if file_language(path) == "en"
            for e in load_data(str(path)).intent_examples
        }
        kept = [i for i, g in enumerate(ours.held_gold) if g in taught]
        shared = {
            n: score([r.held_gold[i] for i in kept], [r.held_predicted[i] for i in kept]).macro_f1
            for n, r in (("signpost", ours), (ENGLISH_ONLY, before))
        }
        print(
            f"\nEnglish held-out macro F1 on the {len(kept)} messages of the intents the previous pipeline "
            f"was taught: signpost {shared['signpost']:.3f} vs {ENGLISH_ONLY} {shared[ENGLISH_ONLY]:.3f} "
            f"({shared['signpost'] - shared[ENGLISH_ONLY]:+.3f})"
        )
        print(
            f"\nEnglish held-out macro F1: signpost {ours.held.macro_f1:.3f} vs {ENGLISH_ONLY} "
            f"{before.held.macro_f1:.3f} ({ours.held.macro_f1 - before.held.macro_f1:+.3f}); perturbed "
            f"{ours.perturbed.macro_f1:.3f} vs {before.perturbed.macro_f1:.3f}; out-of-domain false "
            f"signposts {ours.false_signpost:.1%} vs {before.false_signpost:.1%}"
        )


def report_unseen(unseen: Dict[str, Dict[str, Scores]]) -> None:
    """Macro F1 per language on the file nobody tunes against, for each variant (variant -> language ->
    scores): English on that file's English messages, and the mean of the languages other than English."""
    if not unseen:
        return
    names = list(unseen)
    first = unseen[names[0]]
    languages = [code for code in SUPPORTED_LANGUAGES if code in first]
    print(
        "\nUNSEEN held-out file (tests/nlu/language_holdout_unseen.yml: never trained on, nobody tunes "
        "against it; English too on that file's own messages): macro F1 per language\n"
    )
    others = [c for c in languages if c != "en"]
    rows = [
        [code, str(first[code].examples), *(f"{unseen[n][code].macro_f1:.3f}" for n in names)]
        for code in languages
    ]
    if others:
        rows.append(
            [
                f"mean of the {len(others)} languages other than English",
                "",
                *(f"{statistics.mean(unseen[n][c].macro_f1 for c in others):.3f}" for n in names),
            ]
        )
    print_table(["language", "unseen messages", *names], rows)
    if ENGLISH_ONLY in unseen and "signpost" in unseen and "en" in first:
        ours, before = unseen["signpost"]["en"].macro_f1, unseen[ENGLISH_ONLY]["en"].macro_f1
        print(
            f"\nunseen English macro F1: signpost {ours:.3f} vs {ENGLISH_ONLY} {before:.3f} "
            f"({ours - before:+.3f})"
        )


def quiet_rasa() -> None:
    logging.disable(logging.WARNING)
    configure_structlog(logging.WARNING)  # Rasa logs parsed texts at debug level


def main() -> int:
    quiet_rasa()
    folds = int(os.environ.get("BENCH_FOLDS", "5"))
    only = os.environ.get("BENCH_VARIANTS")
    cv_only = os.environ.get(
        "BENCH_CV_VARIANTS",
        f"signpost,signpost-diet,signpost-no-minilm-feature,signpost-no-spacy,{ENGLISH_ONLY}",
    )
    training = load_data(str(DATA))
    holdout = load_data(str(HOLDOUT))
    languages_holdout = {
        code: messages
        for code, messages in language_holdout.load().by_language.items()
        if code != "en" and code in SUPPORTED_LANGUAGES
    }
    unseen = {
        code: messages
        for code, messages in language_holdout.load(UNSEEN).by_language.items()
        if code in SUPPORTED_LANGUAGES
    }
    print(
        f"training examples: {len(training.intent_examples)}, held-out: "
        f"{len(holdout.intent_examples)}, intents: {len(training.intents)}, folds: {folds}"
    )
    counts: Dict[str, int] = {}
    for language in example_languages().values():
        counts[language] = counts.get(language, 0) + 1
    print(
        "training examples per language: "
        + ", ".join(f"{code} {counts.get(code, 0)}" for code in (*SUPPORTED_LANGUAGES, "mixed"))
        + "; held-out per language: "
        + ", ".join(f"{code} {len(m)}" for code, m in languages_holdout.items())
    )
    print(
        "unseen held-out per language (tests/nlu/language_holdout_unseen.yml): "
        + ", ".join(f"{code} {len(m)}" for code, m in unseen.items())
        + "\n"
    )
    configs = variants()
    wanted = [name for name in configs if not only or name in only.split(",")]
    results: Dict[str, Result] = {}
    for name in wanted:
        config = configs[name]
        wants_cv = folds > 1 and (cv_only == "all" or name in cv_only.split(","))
        r = results[name] = evaluate(name, config, DATA, holdout, languages_holdout, folds, wants_cv, unseen)
        print(
            f"{name}: held-out macro F1 {r.held.macro_f1:.3f}, cv {r.cv:.3f}, perturbed "
            f"{r.perturbed.macro_f1:.3f}, false signposts {r.false_signpost:.1%}, "
            f"train {r.train_seconds:.0f}s",
            flush=True,
        )
    report(results, folds)
    report_languages(results, folds)
    report_unseen({name: r.unseen_by_language for name, r in results.items()})
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
