"""Retraining: ``rasa train`` in a child process, then the held-out evaluation, then the registry.

The web process stays responsive and a crash in Rasa cannot take it down.
Only one training runs at a time, whether started from the console or the
command line (:mod:`bot.staff.training_status` holds the lock and the status
the Models page shows). A new model is only registered here: making it live
is :mod:`bot.staff.promotion`'s job.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Dict, Optional

from bot.staff import children, training_status
from bot.staff.evaluation import evaluate_models
from bot.staff.live_model import STAFF_MODEL_PREFIX
from bot.staff.promotion import live_or_none
from bot.staff.settings import StaffSettings
from bot.staff.store import Store
from bot.staff.training_status import AlreadyRunning

__all__ = ["AlreadyRunning", "FINETUNE_EPOCHS", "Job", "start_training"]

EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
# Share of the whole job each stage takes: preparing includes featurizing the
# training data (MiniLM embeddings), then the intent classifier, then TED.
STAGES = {"preparing": (0, 30), "nlu": (30, 40), "dialogue": (40, 85), "evaluating": (85, 100)}
# Training log words that mark the start of the NLU classifier's training.
NLU_CLASSIFIERS = ("LinearIntentClassifier", "DIETClassifier")
FINETUNE_EPOCHS = 0.25


@dataclass
class Job:
    """One retrain: train, evaluate against the live model, register."""

    settings: StaffSettings
    store: Store
    user: str
    finetune: bool = False

    def __post_init__(self) -> None:
        self.started = time.time()
        self.log_path = self.settings.staff_dir / "train.log"
        self._status: Dict[str, Any] = {}

    def _set(self, **changes: Any) -> None:
        self._status.update(changes)
        self._status["elapsed"] = round(time.time() - self.started, 1)
        training_status.write_status(self.settings, **self._status)

    def _progress(self, stage: str, fraction: float) -> None:
        low, high = STAGES[stage]
        self._set(stage=stage, progress=round(low + (high - low) * max(0.0, min(1.0, fraction))))

    def begin(self) -> None:
        """Show the training as running before the thread starts (no idle flash on the page)."""
        self._set(state="training", started=self.started, by=self.user, message="", model_id=None)
        self._progress("preparing", 0)

    def run(self) -> int:
        """Runs in the caller's thread; the caller holds the lock. Returns the new model's id."""
        self.store.audit(self.user, "retrain_started", finetune=self.finetune)
        try:
            path = self._train()
            model_id = self.store.register_model(str(path), self.user)
            self._set(state="evaluating")
            self._progress("evaluating", 0)
            evaluate_models(self.settings, self.store, [model_id])
            self._set(
                state="done",
                progress=100,
                model_id=model_id,
                finished=time.time(),
                message=f"trained in {time.time() - self.started:.0f} s",
            )
            self.store.audit(
                self.user, "retrain_finished", model_id=model_id, seconds=round(time.time() - self.started)
            )
            return model_id
        except Exception as exc:
            self._set(state="failed", message=str(exc)[:500], finished=time.time())
            self.store.audit(self.user, "retrain_failed", error=str(exc)[:500])
            raise

    def _train(self) -> Path:
        settings = self.settings
        settings.models_dir.mkdir(parents=True, exist_ok=True)
        name = time.strftime(f"{STAFF_MODEL_PREFIX}%Y%m%d-%H%M%S", time.localtime(self.started))
        command = [
            str(Path(sys.executable).parent / "rasa"),
            "train",
            "--data",
            "data/nlu",
            "data/dialogue",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--out",
            str(settings.models_dir),
            "--fixed-model-name",
            name,
        ]
        if self.finetune:
            # Continue from the live model (else Rasa's latest in --out) with a quarter of the epochs.
            # Rasa refuses when the intents or the pipeline changed: then a full training is needed.
            live = live_or_none(settings, self.store)
            command += [
                "--finetune",
                *([live["path"]] if live else []),
                "--epoch-fraction",
                str(FINETUNE_EPOCHS),
            ]
        pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "stdin": subprocess.DEVNULL}
        with open(self.log_path, "wb") as log, children.started(settings, command, **pipes) as process:
            assert process.stdout is not None
            self._follow(process.stdout, log)
            code = process.wait()
        if code != 0:
            raise RuntimeError(f"rasa train failed (exit {code}); see {self.log_path}")
        path = settings.models_dir / f"{name}.tar.gz"
        if not path.exists():
            raise RuntimeError(f"rasa train wrote no model; see {self.log_path}")
        return path.resolve()

    def _follow(self, stream: IO[bytes], log: IO[bytes]) -> None:
        """Turn Rasa's progress bars (``Epochs: 45%``) into a stage and a percentage."""
        stage, buffer = "preparing", b""
        while chunk := stream.read1(4096):  # type: ignore[attr-defined]  # IO[bytes] lacks read1; the pipe has it
            log.write(chunk)
            buffer += chunk
            *parts, buffer = re.split(rb"[\r\n]", buffer)
            for raw in parts:
                line = raw.decode("utf-8", "replace")
                if any(name in line for name in NLU_CLASSIFIERS):
                    stage = "nlu"
                elif "TEDPolicy" in line:
                    stage = "dialogue"
                match = EPOCHS.search(line)
                if match and stage in ("nlu", "dialogue"):
                    self._progress(stage, int(match.group(1)) / 100)
                elif stage != self._status.get("stage"):
                    self._progress(stage, 0)


def start_training(
    settings: StaffSettings,
    store: Store,
    user: str,
    *,
    background: bool,
    finetune: bool = False,
    on_done: Optional[Callable[[], None]] = None,
) -> Job:
    """Take the lock (or raise :class:`AlreadyRunning`) and run a :class:`Job`."""
    handle = training_status.acquire(settings)
    job = Job(settings, store, user, finetune)
    try:
        job.begin()
    except BaseException:
        training_status.release(handle)
        raise

    def run() -> None:
        try:
            job.run()
        finally:
            training_status.release(handle)
            if on_done:
                on_done()

    if background:
        threading.Thread(target=lambda: _quiet(run), name="staff-retrain", daemon=True).start()
    else:
        run()
    return job


def _quiet(run: Callable[[], None]) -> None:
    try:
        run()
    except Exception:  # recorded in the status file and the audit log
        pass
