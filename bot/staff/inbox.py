"""The inbox: what residents said that the assistant did not understand.

Read from Rasa's tracker store (table ``events``): user messages classified
as ``nlu_fallback`` or below the confidence threshold, not yet handled by
staff, grouped by similarity (TF-IDF on character n-grams, cosine), newest
group first. Personal data is masked unless a member of staff asks to see it.

Each message shows its language: the ``language`` entity the NLU's
LanguageDetector put in its parse data, or for a message stored before that
component (or one it could not tell), :func:`bot.nlu.language_id.detect` at
display time; None when neither can tell ("ok", a postcode).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME as FALLBACK
from sqlalchemy import inspect, text

from bot.conversations import tracker_engine
from bot.geo.postcodes import find_postcode_lookalikes, find_postcodes
from bot.nlu import language_id

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?:\+44\s?|\b0)\d(?:[\s-]?\d){8,9}\b")
NAME_ENTITIES = ("person", "name", "PERSON")
# Not personal and spanning the whole message: never masked.
LANGUAGE_ENTITY = "language"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Message:
    """One not-understood user message."""

    event_id: int
    sender_id: str
    timestamp: float
    text: str
    masked: str
    intent: str  # the best real intent (nlu_fallback replaced by the runner-up)
    confidence: float
    fallback: bool
    language: Optional[str] = None  # ISO 639-1 code, None when the message carries none


@dataclass
class Group:
    messages: List[Message] = field(default_factory=list)

    @property
    def newest(self) -> float:
        return max(m.timestamp for m in self.messages)


def mask(text_: str, entities: Sequence[Dict[str, Any]] = ()) -> str:
    """Replace NLU-tagged entities, postcodes, emails and phone numbers by [kind]."""
    spans = [
        (e["start"], e["end"], str(e.get("entity", "entity")))
        for e in entities
        if isinstance(e.get("start"), int)
        and isinstance(e.get("end"), int)
        and e.get("entity") != LANGUAGE_ENTITY
    ]
    masked, last = [], 0
    for start, end, kind in sorted(spans):
        if start < last:
            continue
        masked.append(text_[last:start])
        masked.append(f"[{'name' if kind in NAME_ENTITIES else kind}]")
        last = end
    masked.append(text_[last:])
    result = "".join(masked)
    result = EMAIL.sub("[email]", result)
    result = PHONE.sub("[phone]", result)
    return mask_postcodes(result)


def mask_postcodes(text_: str) -> str:
    """Postcodes and outward codes as bot/geo/postcodes.py finds them, and strings shaped like a full
    postcode that are not one (a typo of a real one is still personal), become [postcode]."""
    found = find_postcodes(text_) + find_postcode_lookalikes(text_)
    spans = sorted(((start, end) for start, end, _ in found), key=lambda span: (span[0], -span[1]))
    masked, last = [], 0
    for start, end in spans:
        if start < last:  # "NR2" inside the look-alike "NR2 4CI": the longer span is already masked
            continue
        masked += [text_[last:start], "[postcode]"]
        last = end
    masked.append(text_[last:])
    return "".join(masked)


def printable(text_: str) -> str:
    """A tracker's JSON can hold lone surrogates (``"\\ud800"``), which no page or file can be
    written with: each becomes U+FFFD, one character for one, so entity offsets still fit."""
    return LONE_SURROGATE.sub("\ufffd", text_)


def _best_intent(parse: Dict[str, Any]) -> tuple:
    intent = parse.get("intent") or {}
    name, confidence = intent.get("name") or "", float(intent.get("confidence") or 0.0)
    if name == FALLBACK:
        for candidate in parse.get("intent_ranking") or []:
            if candidate.get("name") != FALLBACK:
                return candidate.get("name") or "", float(candidate.get("confidence") or 0.0), True
        return "", 0.0, True
    return name, confidence, False


def tagged_language(parse: Dict[str, Any]) -> Optional[str]:
    """The ``language`` entity's code in a message's parse data, if it has one we know."""
    for entity in parse.get("entities") or []:
        value = entity.get("value") if isinstance(entity, dict) else None
        if entity.get("entity") == LANGUAGE_ENTITY and value in language_id.SUPPORTED:
            return str(value)
    return None


# event id -> detected language, for messages without the entity: detected once per web process.
# Keyed by id, not text, so no resident's words are kept here.
_detected: Dict[Tuple[int, float], Optional[str]] = {}
_detected_lock = threading.Lock()
_DETECTED_MAX = 5000


def detected_language(event_id: int, timestamp: float, text_: str) -> Optional[str]:
    """:func:`bot.nlu.language_id.detect` among all eight languages, remembered by event id and time.

    Not by id alone: another tracker database (or SQLite reusing the id of a forgotten last event) would
    be given an old message's language.
    """
    key = (event_id, timestamp)
    with _detected_lock:
        if key in _detected:
            return _detected[key]
    found = language_id.detect(text_)
    with _detected_lock:
        if len(_detected) >= _DETECTED_MAX:
            _detected.clear()
        _detected[key] = found
    return found


def _rows(tracker_db: "Path | str", where: str = "", params: Optional[Dict[str, Any]] = None) -> List[Any]:
    if isinstance(tracker_db, Path) and not tracker_db.exists():
        return []
    engine = tracker_engine(tracker_db)
    try:
        if not inspect(engine).has_table("events"):
            return []
        with engine.connect() as c:
            return list(
                c.execute(
                    text(
                        "SELECT id, sender_id, type_name, timestamp, data FROM events "
                        f"{where} ORDER BY timestamp, id"
                    ),
                    params or {},
                )
            )
    finally:
        engine.dispose()


def _message(row: Any) -> Optional[Message]:
    data = json.loads(row.data or "{}")
    parse = data.get("parse_data") or {}
    text_ = printable(str(data.get("text") or parse.get("text") or ""))
    if not text_ or text_.startswith("/"):  # button payloads, not residents' words
        return None
    name, confidence, fallback = _best_intent(parse)
    return Message(
        event_id=row.id,
        sender_id=row.sender_id,
        timestamp=float(row.timestamp),
        text=text_,
        masked=mask(text_, parse.get("entities") or []),
        intent=name,
        confidence=confidence,
        fallback=fallback,
        language=tagged_language(parse),
    )


def not_understood(tracker_db: "Path | str", threshold: float, exclude: set) -> List[Message]:
    """Newest first."""
    found = []
    for row in _rows(tracker_db, "WHERE type_name = 'user'"):
        if row.id in exclude:
            continue
        message = _message(row)
        if message and (message.fallback or message.confidence < threshold):
            found.append(message)
    return sorted(found, key=lambda m: (m.timestamp, m.event_id), reverse=True)


def with_languages(messages: List[Message]) -> List[Message]:
    """Detect the language of the messages whose parse data has none (the shown ones only: it costs
    about a millisecond each)."""
    for m in messages:
        if m.language is None:
            m.language = detected_language(m.event_id, m.timestamp, m.text)
    return messages


def message(tracker_db: "Path | str", event_id: int) -> Optional[Message]:
    rows = _rows(tracker_db, "WHERE id = :id AND type_name = 'user'", {"id": event_id})
    found = _message(rows[0]) if rows else None
    return with_languages([found])[0] if found else None


def group(messages: List[Message], similarity: float = 0.3) -> List[Group]:
    """Greedy single-pass clustering: each message joins the first group it is close to."""
    if not messages:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    texts = [m.masked.lower() for m in messages]
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit_transform(texts)
    sims = cosine_similarity(matrix)
    groups: List[Group] = []
    heads: List[int] = []
    for i, m in enumerate(messages):
        for g, head in zip(groups, heads, strict=True):
            if sims[i, head] >= similarity:
                g.messages.append(m)
                break
        else:
            groups.append(Group([m]))
            heads.append(i)
    return sorted(groups, key=lambda g: g.newest, reverse=True)


def conversation(
    tracker_db: "Path | str", sender_id: str, around: int, window: int = 6, reveal: bool = False
) -> List[Dict[str, Any]]:
    """The user and bot turns around one event (masked), for context."""
    turns = []
    for row in _rows(tracker_db, "WHERE sender_id = :s AND type_name IN ('user', 'bot')", {"s": sender_id}):
        data = json.loads(row.data or "{}")
        words = printable(str(data.get("text") or ""))
        parse = data.get("parse_data") or {}
        if not reveal:
            words = mask(words, parse.get("entities") or [])
        turns.append(
            {
                "id": row.id,
                "who": "resident" if row.type_name == "user" else "bot",
                "text": words,
                "language": tagged_language(parse),
                "timestamp": row.timestamp,
                "current": row.id == around,
            }
        )
    index = next((i for i, t in enumerate(turns) if t["current"]), 0)
    return turns[max(0, index - window) : index + window + 1]
