"""Fixtures for action tests: a real directory database, offline geocoding."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from rasa.core.nlg.interpolator import interpolate_text
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from ruamel.yaml import YAML

from actions import context
from bot.directory.csv_loader import load_csv_directory
from bot.directory.db import make_engine
from bot.geo.geocoder import Geocoder
from bot.settings import PROJECT_ROOT, load
from tests.support.event_loop import run as run_to_end

SAMPLE = PROJECT_ROOT / "data" / "directory"


@pytest.fixture(scope="session")
def directory_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('directory')) / 'directory.db'}"
    settings = load({"GEOCODER": "offline"})
    load_csv_directory(
        make_engine(url), SAMPLE / "hubs.csv", SAMPLE / "courses.csv", Geocoder.from_settings(settings)
    )
    return url


@pytest.fixture
def ctx(directory_url: str, tmp_path: Path) -> Iterator[context.Context]:
    built = context.build(
        load({"DIRECTORY_URL": directory_url, "GEOCODER": "offline", "SIGNPOST_VAR_DIR": str(tmp_path)})
    )
    context.use(built)
    yield built
    context.use(None)


def tracker(
    text: str = "",
    intent: Optional[str] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    ranking: Optional[List[Dict[str, Any]]] = None,
    metadata: Optional[Dict[str, Any]] = None,
) -> Tracker:
    """A tracker whose latest message is ``text`` with the given NLU result (and channel ``metadata``)."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "intent_ranking": ranking or [],
        "metadata": metadata or {},
    }
    return Tracker("test-sender", slots or {}, latest, events or [], False, None, {}, "action_listen")


def run(
    action: Action, tr: Tracker, responses: Optional[Dict[str, Any]] = None
) -> tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    """Run ``action`` as Rasa does, with the domain's responses (or ``responses``, an older model's)."""
    dispatcher = CollectingDispatcher()
    domain = {"responses": domain_responses() if responses is None else responses}
    events = run_to_end(action.run(dispatcher, tr, domain))
    return dispatcher, events


def slot(events: List[Dict[str, Any]], name: str) -> Any:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else None


@lru_cache(maxsize=1)
def domain_responses() -> Dict[str, Any]:
    return YAML(typ="safe").load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def rendered(message: Dict[str, Any]) -> Optional[str]:
    """The text Rasa makes of one action message: a domain response filled in, as Rasa's NLG does."""
    if not message.get("response"):
        return message.get("text")
    template = domain_responses()[message["response"]][0]["text"]
    text = interpolate_text(template, message)
    left = re.findall(r"{[^{}\n]+}", text)
    assert not left, f"{message['response']}: no value for {left}"
    return text


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(t for t in map(rendered, dispatcher.messages) if t)


def customs(dispatcher: CollectingDispatcher, kind: str) -> List[Dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages if (m.get("custom") or {}).get("type") == kind]


def hubs(dispatcher: CollectingDispatcher) -> List[Dict[str, Any]]:
    return [
        h
        for m in dispatcher.messages
        if (m.get("custom") or {}).get("type") == "hubs"
        for h in m["custom"]["hubs"]
    ]
