"""Measure one answer against the directory and store it: the actions' single entry point.

"Unmet need" is decided here, at the time of the answer: no hub offering the
need's services within 3 miles of the resident. Access and language filters
are ignored on purpose, so the figure means "nothing of this kind nearby".
"""

from __future__ import annotations

from typing import Iterable, Optional, Tuple

from bot.directory.search import DirectorySearch
from bot.impact import privacy
from bot.impact.store import RADIUS_MILES, Answer, ImpactStore

_MANY = 1000  # more hubs than any 3-mile circle holds


class Recorder:
    def __init__(self, store: ImpactStore, search: DirectorySearch) -> None:
        self.store = store
        self.search = search

    def nearby(self, lat: float, lon: float, services: Iterable[str]) -> Tuple[int, Optional[float]]:
        """(hubs offering any of ``services`` within 3 miles, miles to the nearest at any distance)."""
        services = tuple(services)
        within = self.search.nearest_hubs(lat, lon, services, limit=_MANY, max_miles=RADIUS_MILES)
        nearest = within[:1] or self.search.nearest_hubs(lat, lon, services, limit=1)
        return len(within), (nearest[0].distance_miles if nearest else None)

    def answer(
        self,
        channel: str,
        need: str,
        services: Iterable[str],
        lat: float,
        lon: float,
        outcode: Optional[str],
        asked_for_person: bool = False,
        language: str = "en",
    ) -> Answer:
        """Record one signposting answer for ``need`` near (lat, lon); only the outcode is kept."""
        within, nearest = self.nearby(lat, lon, services)
        answer = Answer(
            channel,
            need,
            privacy.outward_code(outcode),
            within,
            nearest,
            asked_for_person,
            language=privacy.language_code(language),
        )
        self.store.record(answer)
        return answer

    def asked_for_person(self, channel: str, outcode: Optional[str], language: str = "en") -> Answer:
        """Record that a resident asked to talk to a person (need ``talk_to_human``)."""
        answer = Answer(
            channel,
            privacy.PERSON,
            privacy.outward_code(outcode),
            None,
            None,
            True,
            language=privacy.language_code(language),
        )
        self.store.record(answer)
        return answer

    def misunderstood(self, channel: str) -> None:
        self.store.record_misunderstood(channel)
