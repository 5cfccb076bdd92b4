from __future__ import annotations

import pytest

from bot.geo.distance import haversine_miles
from bot.geo.outcodes import OutcodeTable


def test_haversine_known_distance() -> None:
    # Norwich to London (Charing Cross) is about 98 miles as the crow flies.
    assert haversine_miles(52.6309, 1.2974, 51.5074, -0.1278) == pytest.approx(98.5, abs=1.5)
    assert haversine_miles(52.63, 1.29, 52.63, 1.29) == 0


def test_outcode_lookup(outcodes: OutcodeTable) -> None:
    row = outcodes.lookup("nr2")
    assert row is not None and row.town == "Norwich"
    assert row.latitude == pytest.approx(52.6301)
    assert outcodes.lookup("ZZ9") is None
    assert len(outcodes) > 2800
    assert "NR3" in outcodes
    assert outcodes.label("NR2") == "NR2 (Norwich)"


def test_outcode_nearest(outcodes: OutcodeTable) -> None:
    nearest = outcodes.nearest(52.6302, 1.2853)
    assert nearest is not None and nearest.outcode == "NR2"
