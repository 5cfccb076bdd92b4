"""The console's operations, shared by the web pages, the JSON API and the command line."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from bot.staff import inbox, promotion, training_data, training_status
from bot.staff.rasa_api import RasaError
from bot.staff.settings import StaffSettings
from bot.staff.store import Store


def inbox_groups(settings: StaffSettings, store: Store) -> List[inbox.Group]:
    """Undecided messages only; capped so a flood of fallbacks cannot stall the page."""
    messages = inbox.not_understood(settings.tracker_db, settings.inbox_threshold, store.decided_ids())
    return inbox.group(inbox.with_languages(messages[:500]))


def teach(settings: StaffSettings, store: Store, user: str, event_id: int, form: Dict[str, str]) -> str:
    """One inbox decision: edit the training data, record the decision and the audit entry."""
    action, example = form.get("action", ""), form.get("example", "")
    project = settings.project_dir
    if action == "intent":
        intent = form.get("intent", "")
        path = training_data.add_example(project, intent, example)
        details: dict[str, Any] = {
            "intent": intent,
            "example": training_data.clean_example(example),
            "file": str(path.relative_to(project)),
        }
        message = f"Added to {intent}. Retrain to use it."
    elif action == "new_intent":
        name = form.get("name", "").strip()
        more = [x for x in form.get("more", "").splitlines() if x.strip()]
        new = training_data.NewIntent(
            name, form.get("description", ""), form.get("answer", ""), [example, *more]
        )
        training_data.add_intent(project, new)
        intent = name
        details = {
            "intent": name,
            "description": new.description,
            "answer": new.answer,
            "examples": new.examples,
        }
        message = f"Created intent {name}. Retrain to use it."
    elif action == "out_of_scope":
        intent = training_data.OUT_OF_SCOPE
        training_data.add_example(project, intent, example)
        details = {"example": training_data.clean_example(example)}
        message = "Marked out of scope. Retrain to use it."
    elif action == "dismiss":
        intent, details, message = None, {}, "Dismissed."
    else:
        raise ValueError("unknown action")
    if event_id:
        store.decide(event_id, action, intent, user)
    store.audit(user, f"teach_{action}", event_id=event_id or None, **details)
    return message


def _by_language(counts: Dict[str, int]) -> List[List[Any]]:
    """[[code, examples], ...]: most first, the examples with no language last ("" as the code)."""
    return [[code, n] for code, n in sorted(counts.items(), key=lambda kv: (kv[0] == "", -kv[1], kv[0]))]


def intents_overview(settings: StaffSettings, store: Store) -> Dict[str, Any]:
    """Every domain intent with its examples (in all and per language) and the live model's held-out
    F1, weakest first."""
    per_language = training_data.intent_language_counts(settings.project_dir)
    counts = {intent: sum(per.values()) for intent, per in per_language.items()}
    totals: Dict[str, int] = {}
    for per in per_language.values():
        for code, n in per.items():
            totals[code] = totals.get(code, 0) + n
    try:
        live = promotion.resolve_live(settings, store)
        error = ""
    except RasaError as exc:
        live, error = None, str(exc)
    scores = (live or {}).get("scores") or {}
    per = scores.get("per_intent", {})
    descriptions = training_data.descriptions(settings.project_dir)
    rows = [
        {
            "intent": i,
            "examples": counts.get(i, 0),
            "languages": _by_language(per_language.get(i, {})),
            "f1": per.get(i),
            "description": descriptions.get(i, ""),
        }
        for i in training_data.domain_intents(settings.project_dir)
    ]
    rows.sort(key=lambda r: (r["f1"] is None, r["f1"] if r["f1"] is not None else 0, r["intent"]))
    return {
        "intents": rows,
        "languages": _by_language(totals),
        "live_model": live and live["id"],
        "evaluated": bool(scores),
        "error": error,
    }


def models_overview(settings: StaffSettings, store: Store) -> Dict[str, Any]:
    """The live model, the last five and the training status; Rasa being down is shown, not raised."""
    try:
        live, error = promotion.resolve_live(settings, store), ""
    except RasaError as exc:
        live, error = None, str(exc)
    return {
        "live": live,
        "recent": store.recent_models(promotion.KEEP),
        "training": training_status.read_status(settings),
        "error": error,
    }


def model_detail(settings: StaffSettings, store: Store, model_id: int) -> Optional[Dict[str, Any]]:
    """One model, the live one (None when Rasa cannot say) and what changed between them.

    None when there is no such model.
    """
    model = store.model(model_id)
    if model is None:
        return None
    live = promotion.live_or_none(settings, store)
    return {
        "model": model,
        "live": live,
        "rows": promotion.compare(model, live),
        "requested_by": store.promotion_request(model_id),
    }
