"""Retrain, evaluate, promote and roll back models.

Training is ``rasa train`` in a child process (the web process stays
responsive and a crash cannot take it down); evaluation on the held-out file
is another child (:mod:`bot.staff.evaluate`). A lock file makes sure only one
training runs at a time, whether started from the console or the command
line. Promotion uses the Rasa HTTP API (``PUT /model``), so the live bot
switches without a restart.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Dict, List, Optional

import requests

from bot.staff.settings import StaffSettings
from bot.staff.store import Store

FALLBACK_DIRS = ("models",)
EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
# Share of the whole job each stage takes: preparing includes featurizing the
# training data (MiniLM embeddings), then the intent classifier, then TED.
STAGES = {"preparing": (0, 30), "nlu": (30, 40), "dialogue": (40, 85), "evaluating": (85, 100)}
# Training log words that mark the start of the NLU classifier's training.
NLU_CLASSIFIERS = ("LinearIntentClassifier", "DIETClassifier")
KEEP = 5  # models offered for roll back
FINETUNE_EPOCHS = 0.25
_CHILDREN: "set[subprocess.Popen]" = set()  # training/evaluation children of this process


class AlreadyRunning(RuntimeError):
    """A training holds the lock."""


class RasaError(RuntimeError):
    """The live Rasa server refused or could not be reached."""


# ---------------------------------------------------------------- the live server
def live_model_name(settings: StaffSettings) -> str:
    try:
        response = requests.get(f"{settings.rasa_url}/status", params={"token": settings.token()}, timeout=10)
        response.raise_for_status()
    except requests.RequestException as exc:  # its text holds the URL, token included: not shown
        raise RasaError(f"cannot ask Rasa at {settings.rasa_url} which model is live ({type(exc).__name__})") from exc
    return str(response.json().get("model_file") or "")


def resolve_live(settings: StaffSettings, store: Store) -> Optional[Dict[str, Any]]:
    """The registry entry of the live model, registering it the first time it is seen.

    With ``MODEL_DELIVERY=pull`` (several replicas pulling from the web server) the
    registry itself says what is live: there is no single Rasa server to ask."""
    if settings.model_delivery == "pull":
        promoted = store.promoted_models()
        return promoted[0] if promoted else None
    name = live_model_name(settings)
    if not name:
        return None
    for model in store.recent_models(1000):
        if Path(model["path"]).name == name:
            return model
    candidates = [settings.models_dir / name] + [settings.code_root / d / name for d in FALLBACK_DIRS]
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        return None
    model_id = store.register_model(str(path.resolve()), "(live when first seen)", created=path.stat().st_mtime)
    return store.model(model_id)


def load_on_rasa(settings: StaffSettings, path: str) -> None:
    try:
        response = requests.put(
            f"{settings.rasa_url}/model", params={"token": settings.token()}, json={"model_file": path}, timeout=300
        )
    except requests.RequestException as exc:
        raise RasaError(f"cannot reach Rasa at {settings.rasa_url} ({type(exc).__name__})") from exc
    if response.status_code >= 300:
        raise RasaError(f"Rasa refused the model ({response.status_code}): {response.text[:300]}")


# ---------------------------------------------------------------- training status
def status_path(settings: StaffSettings) -> Path:
    return settings.staff_dir / "train_status.json"


def read_status(settings: StaffSettings) -> Dict[str, Any]:
    path = status_path(settings)
    try:
        status = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {"state": "idle"}
    if status.get("state") in ("training", "evaluating") and not _locked(settings):
        status["state"] = "failed"  # the process that ran it died
        status["message"] = "training stopped unexpectedly"
    return status


def _write_status(settings: StaffSettings, **status: Any) -> None:
    path = status_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(status))
    tmp.replace(path)


def _lock_file(settings: StaffSettings) -> IO[str]:
    settings.staff_dir.mkdir(parents=True, exist_ok=True)
    return open(settings.staff_dir / "train.lock", "a")


def _locked(settings: StaffSettings) -> bool:
    handle = _lock_file(settings)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        handle.close()  # closing releases our probe lock
    return False


def child_env(settings: StaffSettings) -> Dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(settings.code_root),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


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
        _write_status(self.settings, **self._status)

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
            self._set(state="done", progress=100, model_id=model_id, finished=time.time(),
                      message=f"trained in {time.time() - self.started:.0f} s")
            self.store.audit(self.user, "retrain_finished", model_id=model_id, seconds=round(time.time() - self.started))
            return model_id
        except Exception as exc:
            self._set(state="failed", message=str(exc)[:500], finished=time.time())
            self.store.audit(self.user, "retrain_failed", error=str(exc)[:500])
            raise

    def _train(self) -> Path:
        settings = self.settings
        settings.models_dir.mkdir(parents=True, exist_ok=True)
        name = time.strftime("staff-%Y%m%d-%H%M%S", time.localtime(self.started))
        command = [
            str(Path(sys.executable).parent / "rasa"), "train",
            "--data", "data/nlu", "data/dialogue", "--config", "config.yml", "--domain", "domain.yml",
            "--out", str(settings.models_dir), "--fixed-model-name", name,
        ]
        if self.finetune:
            # Continue from the live model (else Rasa's latest in --out) with a quarter of the epochs.
            # Rasa refuses when the intents or the pipeline changed: then a full training is needed.
            try:
                live = resolve_live(settings, self.store)
            except RasaError:
                live = None
            command += ["--finetune", *([live["path"]] if live else []), "--epoch-fraction", str(FINETUNE_EPOCHS)]
        with open(self.log_path, "wb") as log:
            process = subprocess.Popen(
                command, cwd=settings.project_dir, env=child_env(settings), stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
            assert process.stdout is not None
            _CHILDREN.add(process)
            try:
                self._follow(process.stdout, log)
                code = process.wait()
            finally:
                _CHILDREN.discard(process)
        if code != 0:
            raise RuntimeError(f"rasa train failed (exit {code}); see {self.log_path}")
        path = settings.models_dir / f"{name}.tar.gz"
        if not path.exists():
            raise RuntimeError(f"rasa train wrote no model; see {self.log_path}")
        return path.resolve()

    def _follow(self, stream: IO[bytes], log: IO[bytes]) -> None:
        """Turn Rasa's progress bars (``Epochs: 45%``) into a stage and a percentage."""
        stage, buffer = "preparing", b""
        while chunk := stream.read1(4096):  # type: ignore[attr-defined]
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


def start_training(settings: StaffSettings, store: Store, user: str, *, background: bool,
                   finetune: bool = False, on_done: Optional[Callable[[], None]] = None) -> Job:
    """Take the lock (or raise :class:`AlreadyRunning`) and run a :class:`Job`."""
    handle = _lock_file(settings)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning("a training is already running") from None
    job = Job(settings, store, user, finetune)
    job.begin()

    def run() -> None:
        try:
            job.run()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
            if on_done:
                on_done()

    if background:
        threading.Thread(target=lambda: _quiet(run), name="staff-retrain", daemon=True).start()
    else:
        run()
    return job


def stop_children() -> None:
    """When the web process shuts down, its training stops too (no orphaned ``rasa train``)."""
    for process in list(_CHILDREN):
        process.terminate()


def _quiet(run: Callable[[], None]) -> None:
    try:
        run()
    except Exception:  # recorded in the status file and the audit log
        pass


# ---------------------------------------------------------------- evaluation
def evaluate_models(settings: StaffSettings, store: Store, model_ids: List[int]) -> None:
    """Score the given models, and the live one if it has no scores yet, on the held-out file."""
    wanted = [store.model(i) for i in model_ids]
    try:
        live = resolve_live(settings, store)
    except RasaError:
        live = None
    if live and live["scores"] is None and live["id"] not in model_ids:
        wanted.append(live)
    todo = [m for m in wanted if m is not None]
    if not todo:
        return
    out = settings.staff_dir / "evaluations"
    out.mkdir(parents=True, exist_ok=True)
    result_path = out / f"run-{os.getpid()}-{int(time.time() * 1000)}.json"
    command = [sys.executable, "-m", "bot.staff.evaluate", "--holdout", str(settings.holdout),
               "--out", str(result_path), "--png-dir", str(out)]
    for m in todo:
        command += ["--model", f"{m['id']}={m['path']}"]
    process = subprocess.Popen(command, cwd=settings.project_dir, env=child_env(settings), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    _CHILDREN.add(process)
    try:
        _, stderr = process.communicate()
    finally:
        _CHILDREN.discard(process)
    if process.returncode != 0:
        raise RuntimeError(f"evaluation failed: {stderr[-800:]}")
    results = json.loads(result_path.read_text())
    result_path.unlink()
    for model_id, scores in results.items():
        store.set_scores(int(model_id), scores["macro_f1"], scores)


def confusion_png(settings: StaffSettings, model_id: int) -> Path:
    return settings.staff_dir / "evaluations" / f"confusion-{model_id}.png"


def compare(new: Dict[str, Any], live: Optional[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Intents whose held-out F1 rose or fell, worst fall first."""
    if not new.get("scores") or not live or not live.get("scores"):
        return []
    before, after = live["scores"]["per_intent"], new["scores"]["per_intent"]
    rows = []
    for intent in sorted(set(before) | set(after)):
        old, now = before.get(intent), after.get(intent)
        if old is None or now is None or abs(now - old) >= 0.0005:
            rows.append({"intent": intent, "live": old, "new": now, "change": (now or 0) - (old or 0)})
    return sorted(rows, key=lambda r: r["change"])


# ---------------------------------------------------------------- promote / roll back
@dataclass
class Promotion:
    promoted: bool
    message: str
    needs_confirmation: bool = False


def is_worse(new: Dict[str, Any], live: Optional[Dict[str, Any]]) -> bool:
    """Unscored models count as worse: nobody has checked them."""
    if live is None or live.get("macro_f1") is None:
        return new.get("macro_f1") is None
    return new.get("macro_f1") is None or new["macro_f1"] < live["macro_f1"] - 1e-9


def promote(settings: StaffSettings, store: Store, model_id: int, user: str) -> Promotion:
    """Make a model live; a worse one needs a second member of staff to promote it too."""
    model = store.model(model_id)
    if model is None:
        raise ValueError(f"no model {model_id}")
    live = resolve_live(settings, store)
    if live and live["id"] == model_id:
        return Promotion(False, "this model is already live")
    confirmed_by = None
    if is_worse(model, live):
        requested = store.promotion_request(model_id)
        if requested is None or requested == user:
            store.request_promotion(model_id, user)
            store.audit(user, "promotion_refused", model_id=model_id, new_f1=model.get("macro_f1"),
                        live_f1=live.get("macro_f1") if live else None)
            return Promotion(False, "The new model is worse than the live one on the held-out test. "
                             "Another member of staff must confirm the promotion.", needs_confirmation=True)
        confirmed_by = requested
    make_live(settings, store, model, user)
    store.audit(user, "promoted", model_id=model_id, path=Path(model["path"]).name,
                previous=live["id"] if live else None, requested_by=confirmed_by)
    return Promotion(True, f"Model {model_id} is live{_when(settings)}.")


def make_live(settings: StaffSettings, store: Store, model: Dict[str, Any], user: str) -> None:
    """Load the model on the Rasa server, or (pull) record it for the replicas to fetch."""
    if settings.model_delivery == "put":
        load_on_rasa(settings, model["path"])
    store.mark_promoted(model["id"], user)


def _when(settings: StaffSettings) -> str:
    return " (every Rasa server loads it within a minute)" if settings.model_delivery == "pull" else ""


def was_live(model: Dict[str, Any]) -> bool:
    """The registry's record of a model that has been live: promoted or rolled back to
    (``promoted_at``), or found live when the console first looked (the shipped model)."""
    return model.get("promoted_at") is not None or model.get("created_by") == "(live when first seen)"


def rollback(settings: StaffSettings, store: Store, model_id: int, user: str) -> Promotion:
    """Put a model that was live before back live.

    No F1 rule and no second person: it passed them when it went live. A model
    that has never been live is refused, so rollback is no way round Promote."""
    model = store.model(model_id)
    if model is None:
        raise ValueError(f"There is no model {model_id}.")
    if not was_live(model):
        raise ValueError(f"Model {model_id} has never been live, so you cannot roll back to it. "
                         "Use Promote instead (a model that scores worse needs a second member of staff).")
    if not Path(model["path"]).exists():
        raise ValueError(f"The file of model {model_id} is gone, so it cannot be made live.")
    make_live(settings, store, model, user)
    store.audit(user, "rolled_back", model_id=model_id, path=Path(model["path"]).name)
    return Promotion(True, f"Model {model_id} is live again{_when(settings)}.")
