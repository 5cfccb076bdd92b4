"""Which model is live, and the rule for changing it: promote, roll back, compare.

- A model that scores worse than the live one on the held-out file (or was
  never scored) needs a second member of staff to promote it.
- Roll back only to a model that was live before: it passed that rule then,
  so it needs no second person; any other model must be promoted.
- ``MODEL_DELIVERY=put`` loads the model on the Rasa server (``PUT /model``);
  with ``pull`` (the replicated profile) the registry decides what is live
  and every replica fetches it from the web server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.staff import rasa_api
from bot.staff.settings import StaffSettings
from bot.staff.store import Store

KEEP = 5  # models offered for roll back
FALLBACK_DIRS = ("models",)  # where a live model not in the registry may have come from
FIRST_SEEN = "(live when first seen)"  # created_by of the model found live before any promotion


def resolve_live(settings: StaffSettings, store: Store) -> Optional[Dict[str, Any]]:
    """The registry entry of the live model, registering it the first time it is seen.

    With ``MODEL_DELIVERY=pull`` (several replicas pulling from the web server) the
    registry itself says what is live: there is no single Rasa server to ask."""
    if settings.model_delivery == "pull":
        promoted = store.promoted_models()
        return promoted[0] if promoted else None
    name = rasa_api.live_model_name(settings)
    if not name:
        return None
    for model in store.recent_models(1000):
        if Path(model["path"]).name == name:
            return model
    candidates = [settings.models_dir / name] + [settings.code_root / d / name for d in FALLBACK_DIRS]
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        return None
    model_id = store.register_model(str(path.resolve()), FIRST_SEEN, created=path.stat().st_mtime)
    return store.model(model_id)


def live_or_none(settings: StaffSettings, store: Store) -> Optional[Dict[str, Any]]:
    """:func:`resolve_live`, or None when Rasa cannot be asked (for comparisons that can do without)."""
    try:
        return resolve_live(settings, store)
    except rasa_api.RasaError:
        return None


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
            store.audit(
                user,
                "promotion_refused",
                model_id=model_id,
                new_f1=model.get("macro_f1"),
                live_f1=live.get("macro_f1") if live else None,
            )
            return Promotion(
                False,
                "The new model is worse than the live one on the held-out test. "
                "Another member of staff must confirm the promotion.",
                needs_confirmation=True,
            )
        confirmed_by = requested
    make_live(settings, store, model, user)
    store.audit(
        user,
        "promoted",
        model_id=model_id,
        path=Path(model["path"]).name,
        previous=live["id"] if live else None,
        requested_by=confirmed_by,
    )
    return Promotion(True, f"Model {model_id} is live{_when(settings)}.")


def make_live(settings: StaffSettings, store: Store, model: Dict[str, Any], user: str) -> None:
    """Load the model on the Rasa server, or (pull) record it for the replicas to fetch."""
    if settings.model_delivery == "put":
        rasa_api.load_model(settings, model["path"])
    store.mark_promoted(model["id"], user)


def _when(settings: StaffSettings) -> str:
    return " (every Rasa server loads it within a minute)" if settings.model_delivery == "pull" else ""


def was_live(model: Dict[str, Any]) -> bool:
    """The registry's record of a model that has been live: promoted or rolled back to
    (``promoted_at``), or found live when the console first looked (the shipped model)."""
    return model.get("promoted_at") is not None or model.get("created_by") == FIRST_SEEN


def rollback(settings: StaffSettings, store: Store, model_id: int, user: str) -> Promotion:
    """Put a model that was live before back live.

    No F1 rule and no second person: it passed them when it went live. A model
    that has never been live is refused, so rollback is no way round Promote."""
    model = store.model(model_id)
    if model is None:
        raise ValueError(f"There is no model {model_id}.")
    if not was_live(model):
        raise ValueError(
            f"Model {model_id} has never been live, so you cannot roll back to it. "
            "Use Promote instead (a model that scores worse needs a second member of staff)."
        )
    if not Path(model["path"]).exists():
        raise ValueError(f"The file of model {model_id} is gone, so it cannot be made live.")
    make_live(settings, store, model, user)
    store.audit(user, "rolled_back", model_id=model_id, path=Path(model["path"]).name)
    return Promotion(True, f"Model {model_id} is live again{_when(settings)}.")
