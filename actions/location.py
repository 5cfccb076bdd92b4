"""Work out where the resident is from the conversation.

A postcode or place in the latest message wins (and replaces what we knew);
otherwise the location remembered in slots is used. Geocoding itself is
:mod:`bot.geo`'s job; this module only reads and writes the tracker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.geo.locate import Locator


@dataclass(frozen=True)
class Where:
    latitude: float
    longitude: float
    label: str
    outcode: Optional[str]


@dataclass(frozen=True)
class Resolved:
    where: Optional[Where]  # None: we do not know where they are
    problem: Optional[str]  # what the resident gave that we could not find
    events: List[Dict[str, Any]]


def _latest_entity(tracker: Tracker, name: str) -> Optional[str]:
    values = [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]
    return values[-1] if values else None


def remember(where: Where) -> List[Dict[str, Any]]:
    return [
        SlotSet("location_label", where.label),
        SlotSet("location_lat", where.latitude),
        SlotSet("location_lon", where.longitude),
        SlotSet("location_outcode", where.outcode),
    ]


def remembered(tracker: Tracker) -> Optional[Where]:
    lat, lon = tracker.get_slot("location_lat"), tracker.get_slot("location_lon")
    if lat is None or lon is None:
        return None
    return Where(
        float(lat),
        float(lon),
        tracker.get_slot("location_label") or "you",
        tracker.get_slot("location_outcode"),
    )


def _shared_coordinates(tracker: Tracker) -> Optional[tuple[float, float]]:
    """A location shared from a phone (Telegram, the widget), if valid."""
    lat, lon = _latest_entity(tracker, "latitude"), _latest_entity(tracker, "longitude")
    try:
        lat_f, lon_f = float(lat), float(lon)  # type: ignore[arg-type]  # None: TypeError, caught
    except (TypeError, ValueError):
        return None
    return (lat_f, lon_f) if -90 <= lat_f <= 90 and -180 <= lon_f <= 180 else None


def resolve(tracker: Tracker, locator: Locator) -> Resolved:
    shared = _shared_coordinates(tracker)
    if shared:
        found = locator.from_coordinates(*shared)
        where = Where(found.latitude, found.longitude, found.label, found.outcode)
        return Resolved(where, None, remember(where))
    postcode = _latest_entity(tracker, "postcode")
    place = _latest_entity(tracker, "place")
    if postcode or place:
        located = locator.locate(postcode=postcode, place=place)
        if located is None:
            return Resolved(None, postcode or place, [])
        where = Where(located.latitude, located.longitude, located.label, located.outcode)
        return Resolved(where, None, remember(where))
    return Resolved(remembered(tracker), None, [])
