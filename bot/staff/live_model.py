"""Which model the Rasa server loads at start: the one staff made live, never just the newest file.

Staff retraining writes candidate models into the same folder as ``make``'s
first model. Loading "the newest file" would put an unreviewed candidate live
after any restart, so the model registry decides: the model promoted (or
rolled back to) last. On a fresh clone nothing was ever promoted; the newest
model that staff did not train (the one ``make run`` trained) becomes live
and is recorded as promoted, so every later start agrees with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Optional

from bot.staff.settings import StaffSettings
from bot.staff.store import Store

STAFF_MODEL_PREFIX = "staff-"  # bot.staff.training names the models it trains "staff-<time>.tar.gz"
FIRST_START = "(first start)"
TRAINING_INPUTS = ("config.yml", "domain.yml", "data/nlu", "data/dialogue")


@dataclass
class LiveModel:
    path: Optional[Path]  # None: there is no model at all
    notes: List[str] = field(default_factory=list)  # what a person starting the service should know


def choose(settings: StaffSettings, store: Store) -> LiveModel:
    """The model to serve, with notes on anything that was passed over."""
    promoted = last_promoted(store)
    notes = promoted.notes
    if promoted.path is not None:
        return LiveModel(promoted.path, notes + _stale_notes(settings, promoted.path))
    path = _first_model(settings.models_dir)
    if path is None:
        return LiveModel(
            None, notes + [f"There is no trained model in {settings.models_dir}: run `make train`."]
        )
    model_id = store.register_model(str(path.resolve()), FIRST_START, created=path.stat().st_mtime)
    store.mark_promoted(model_id, FIRST_START)
    store.audit(FIRST_START, "promoted", model_id=model_id, path=path.name)
    return LiveModel(path.resolve(), notes + _stale_notes(settings, path))


def last_promoted(store: Store) -> LiveModel:
    """The model promoted (or rolled back to) last whose file is still there (path None: none)."""
    notes: List[str] = []
    for model in store.promoted_models():
        path = Path(model["path"])
        if path.exists():
            return LiveModel(path, notes)
        notes.append(f"The live model {path.name} is missing; using the one that was live before it.")
    return LiveModel(None, notes)


def _first_model(models_dir: Path) -> Optional[Path]:
    """The newest model not trained by staff (those wait for a promotion)."""
    made = [p for p in models_dir.glob("*.tar.gz") if not p.name.startswith(STAFF_MODEL_PREFIX)]
    return max(made, key=lambda p: p.stat().st_mtime, default=None)


def _newest_change(paths: Iterable[Path]) -> float:
    times = [0.0]
    for path in paths:
        if path.is_dir():
            times += [p.stat().st_mtime for p in path.rglob("*.yml")]
        elif path.exists():
            times.append(path.stat().st_mtime)
    return max(times)


def _stale_notes(settings: StaffSettings, live: Path) -> List[str]:
    changed = _newest_change(settings.project_dir / name for name in TRAINING_INPUTS)
    if changed <= live.stat().st_mtime:
        return []
    return [
        "The training data changed after the live model was trained. To put the changes live, "
        "retrain and promote in the staff console (Models page), or run `python -m bot staff retrain`."
    ]
