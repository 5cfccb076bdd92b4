"""Score models on the held-out NLU file; run as a child process by :mod:`bot.staff.evaluation`.

    python -m bot.staff.evaluate --holdout tests/nlu_holdout.yml --out scores.json \
        --png-dir var/staff/evaluations --model 3=/abs/model.tar.gz [--model ...]

Scored by :mod:`bot.nlu.scoring`, the rule bench/nlu.py and the tests use too.
Writes ``{model_id: {macro_f1, accuracy, per_intent, labels, columns, matrix,
examples}}`` and ``confusion-<id>.png`` per model.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Sequence

from bot.nlu.scoring import score


def draw(scores: Dict[str, Any], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, columns, matrix = scores["labels"], scores["columns"], scores["matrix"]
    fig, ax = plt.subplots(figsize=(max(8, len(columns) * 0.42), max(7, len(rows) * 0.38)))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(columns, rotation=90, fontsize=7)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows, fontsize=7)
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("true intent (held-out file)")
    ax.set_title(title)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                ax.text(
                    j,
                    i,
                    str(value),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if value > max(max(r) for r in matrix) / 2 else "black",
                )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def predict(model: str, texts: List[str]) -> List[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)

    async def run() -> List[str]:
        return [(await agent.parse_message(t))["intent"]["name"] for t in texts]

    return asyncio.run(run())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--holdout", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--png-dir", required=True)
    parser.add_argument("--model", action="append", required=True, help="ID=PATH")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa logs parsed texts at debug level
    holdout = load_data(args.holdout)
    texts = [e.get("text") for e in holdout.intent_examples]
    gold = [e.get("intent") for e in holdout.intent_examples]
    results = {}
    for item in args.model:
        model_id, path = item.split("=", 1)
        results[model_id] = score(gold, predict(path, texts)).as_dict()
        draw(
            results[model_id],
            Path(args.png_dir) / f"confusion-{model_id}.png",
            f"Model {model_id}: held-out confusion",
        )
    Path(args.out).write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
