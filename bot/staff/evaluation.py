"""Score models on the held-out file, in a child process (:mod:`bot.staff.evaluate` does the scoring).

Loading a model takes TensorFlow and a few hundred MB; a child process keeps
that out of the web process and lets it go when done.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List

from bot.staff import children
from bot.staff.promotion import live_or_none
from bot.staff.settings import StaffSettings
from bot.staff.store import Store


def evaluations_dir(settings: StaffSettings) -> Path:
    return settings.staff_dir / "evaluations"


def confusion_png(settings: StaffSettings, model_id: int) -> Path:
    """The confusion matrix picture the evaluation drew for a model."""
    return evaluations_dir(settings) / f"confusion-{model_id}.png"


def evaluate_models(settings: StaffSettings, store: Store, model_ids: List[int]) -> None:
    """Score the given models, and the live one if it has no scores yet, on the held-out file."""
    wanted = [store.model(i) for i in model_ids]
    live = live_or_none(settings, store)
    if live and live["scores"] is None and live["id"] not in model_ids:
        wanted.append(live)
    todo = [m for m in wanted if m is not None]
    if not todo:
        return
    out = evaluations_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    result_path = out / f"run-{os.getpid()}-{int(time.time() * 1000)}.json"
    command = [
        sys.executable,
        "-m",
        "bot.staff.evaluate",
        "--holdout",
        str(settings.holdout),
        "--out",
        str(result_path),
        "--png-dir",
        str(out),
    ]
    for m in todo:
        command += ["--model", f"{m['id']}={m['path']}"]
    with children.started(
        settings, command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        _, stderr = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"evaluation failed: {stderr[-800:]}")
    results = json.loads(result_path.read_text())
    result_path.unlink()
    for model_id, scores in results.items():
        store.set_scores(int(model_id), scores["macro_f1"], scores)
