"""postcodes.io is simulated at the HTTP boundary: ``responses``, or a fake on loopback."""

from __future__ import annotations

import logging
import re
import time
from typing import Callable, Iterator

import pytest
import requests
import responses
from pytest_httpserver import HTTPServer

from bot.geo.geocoder import DEFAULT_DEADLINE, Geocoder, TTLCache, make_session, redact_locations
from bot.geo.outcodes import OutcodeTable
from bot.settings import load as load_settings
from tests.support.fake_postcodes_io import FakePostcodesIo, running

BASE = "https://postcodes.test"


def _postcode_body(postcode: str = "NR2 4EE", lat: float = 52.6271, lon: float = 1.2801) -> dict:
    return {
        "status": 200,
        "result": {"postcode": postcode, "outcode": postcode.split()[0], "latitude": lat, "longitude": lon},
    }


@pytest.fixture
def geocoder(outcodes: OutcodeTable) -> Geocoder:
    return Geocoder(outcodes, base_url=BASE, timeout=0.5, session=make_session(retries=2, backoff=0))


@responses.activate
def test_full_postcode_success(geocoder: Geocoder) -> None:
    responses.get(f"{BASE}/postcodes/NR24EE", json=_postcode_body())
    point = geocoder.geocode("nr2 4ee")
    assert point is not None
    assert (point.latitude, point.longitude) == (52.6271, 1.2801)
    assert (point.label, point.outcode, point.precision, point.source) == (
        "NR2 4EE",
        "NR2",
        "postcode",
        "postcodes.io",
    )
    assert not point.approximate


@responses.activate
def test_outcode_success(geocoder: Geocoder) -> None:
    responses.get(
        f"{BASE}/outcodes/NR3",
        json={
            "status": 200,
            "result": {"outcode": "NR3", "latitude": 52.64, "longitude": 1.29, "admin_district": ["Norwich"]},
        },
    )
    point = geocoder.geocode("nr3")
    assert point is not None and point.precision == "outcode" and point.label == "NR3 (Norwich)"
    assert point.source == "postcodes.io"


@responses.activate
def test_unknown_postcode_is_not_found_not_guessed(geocoder: Geocoder) -> None:
    responses.get(f"{BASE}/postcodes/NR99ZZ", status=404, json={"status": 404, "error": "Postcode not found"})
    assert geocoder.geocode("NR9 9ZZ") is None
    assert len(responses.calls) == 1  # a 404 is an answer, not retried


@responses.activate
def test_timeout_falls_back_to_offline_outcode(geocoder: Geocoder) -> None:
    responses.get(f"{BASE}/postcodes/NR24EE", body=requests.exceptions.ConnectTimeout("slow"))
    point = geocoder.geocode("NR2 4EE")
    assert point is not None
    assert (point.precision, point.source, point.outcode, point.label) == (
        "outcode",
        "offline",
        "NR2",
        "NR2 (Norwich)",
    )
    assert point.latitude == pytest.approx(52.6301)


@responses.activate
def test_500_is_retried_then_succeeds(geocoder: Geocoder) -> None:
    responses.get(f"{BASE}/postcodes/NR24EE", status=500)
    responses.get(f"{BASE}/postcodes/NR24EE", json=_postcode_body())
    point = geocoder.geocode("NR2 4EE")
    assert point is not None and point.source == "postcodes.io"
    assert len(responses.calls) == 2


@responses.activate
def test_persistent_500_falls_back_to_offline(geocoder: Geocoder) -> None:
    responses.get(f"{BASE}/postcodes/NR24EE", status=503)
    point = geocoder.geocode("NR2 4EE")
    assert point is not None and point.source == "offline" and point.approximate
    assert len(responses.calls) == 3  # first try + 2 retries


@responses.activate
def test_fallback_for_unknown_outcode_is_none(geocoder: Geocoder) -> None:
    responses.get(f"{BASE}/postcodes/ZE99AA", status=500)
    assert geocoder.geocode("ZE9 9AA") is None  # ZE9 is not in the offline table


@responses.activate
def test_cache_hit_avoids_a_second_call(geocoder: Geocoder) -> None:
    responses.get(f"{BASE}/postcodes/NR24EE", json=_postcode_body())
    first = geocoder.geocode("NR2 4EE")
    second = geocoder.geocode("nr24ee")
    assert first == second
    assert len(responses.calls) == 1


@responses.activate
def test_not_found_is_cached_but_fallback_is_not(geocoder: Geocoder) -> None:
    responses.get(f"{BASE}/postcodes/NR99ZZ", status=404)
    responses.get(f"{BASE}/postcodes/NR24EE", body=requests.exceptions.ConnectionError("down"))
    geocoder.geocode("NR9 9ZZ")
    geocoder.geocode("NR9 9ZZ")
    geocoder.geocode("NR2 4EE")
    calls_after_first = len(responses.calls)
    geocoder.geocode("NR2 4EE")
    assert len([c for c in responses.calls if "NR99ZZ" in c.request.url]) == 1
    assert len(responses.calls) > calls_after_first  # network tried again after a fallback


def test_cache_entries_expire() -> None:
    now = [0.0]
    cache = TTLCache(maxsize=2, ttl=10, clock=lambda: now[0])
    cache.set("a", 1)
    assert cache.get("a") == (True, 1)
    now[0] = 11
    assert cache.get("a") == (False, None)
    cache.set("b", 2)
    cache.set("c", 3)
    cache.set("d", 4)
    assert cache.get("b") == (False, None)  # evicted, size bound


@responses.activate
def test_offline_mode_makes_no_http_call(outcodes: OutcodeTable) -> None:
    geocoder = Geocoder(outcodes, mode="offline", base_url=BASE)
    point = geocoder.geocode("NR2 4EE")
    assert point is not None and point.source == "offline" and point.outcode == "NR2"
    reverse = geocoder.reverse(52.6302, 1.2853)
    assert reverse is not None and reverse.outcode == "NR2"
    assert len(responses.calls) == 0  # responses would raise on any unregistered call anyway


def test_invalid_postcode_is_none_without_network(outcodes: OutcodeTable) -> None:
    assert Geocoder(outcodes, base_url="http://127.0.0.1:9").geocode("hello") is None


@responses.activate
def test_reverse_geocode(geocoder: Geocoder) -> None:
    responses.get(
        f"{BASE}/postcodes", json={"status": 200, "result": [{"postcode": "NR3 2RJ", "outcode": "NR3"}]}
    )
    point = geocoder.reverse(52.649, 1.2858)
    assert point is not None and point.outcode == "NR3" and point.label == "NR3 (Norwich)"
    assert "lat=52.649" in responses.calls[0].request.url


@responses.activate
def test_reverse_with_no_nearby_postcode_uses_nearest_centroid(geocoder: Geocoder) -> None:
    responses.get(f"{BASE}/postcodes", json={"status": 200, "result": None})
    point = geocoder.reverse(52.6302, 1.2853)
    assert point is not None and point.outcode == "NR2" and point.source == "offline"


def test_unknown_mode_is_refused(outcodes: OutcodeTable) -> None:
    with pytest.raises(ValueError):
        Geocoder(outcodes, mode="google")


# -- an overall deadline, and logs without full postcodes (fake postcodes.io on loopback) --


@pytest.fixture
def hanging_postcodes_io() -> Iterator[FakePostcodesIo]:
    yield from running(hang={"NR2 4EE"}, hang_for=30)


def test_a_hung_lookup_gets_the_offline_answer_by_the_deadline(
    outcodes: OutcodeTable,
    hanging_postcodes_io: FakePostcodesIo,
) -> None:
    geocoder = Geocoder(outcodes, base_url=hanging_postcodes_io.url, timeout=30, deadline=0.5)
    started = time.monotonic()
    point = geocoder.geocode("NR2 4EE")
    assert time.monotonic() - started < 10  # generous: without the deadline this waits 30 s
    assert point is not None and (point.source, point.label) == ("offline", "NR2 (Norwich)")
    assert hanging_postcodes_io.arrived.is_set()  # it did ask the network first
    other = geocoder.geocode("NR3 1AB")  # the pool is not stuck behind the hung request
    assert other is not None and other.source == "postcodes.io"


def test_an_answer_after_the_deadline_is_kept_for_next_time(
    outcodes: OutcodeTable,
    hanging_postcodes_io: FakePostcodesIo,
) -> None:
    geocoder = Geocoder(outcodes, base_url=hanging_postcodes_io.url, timeout=30, deadline=0.3)
    assert geocoder.geocode("NR2 4EE").source == "offline"  # type: ignore[union-attr]
    hanging_postcodes_io.release.set()
    for _ in range(100):  # the late answer is cached by a callback in the pool thread
        if geocoder._cache.get(("geocode", "NR2 4EE"))[0]:
            break
        time.sleep(0.05)
    asked = len(hanging_postcodes_io.paths)
    point = geocoder.geocode("NR2 4EE")
    assert point is not None and (point.source, point.label) == ("postcodes.io", "NR2 4EE")
    assert len(hanging_postcodes_io.paths) == asked  # from the cache


def test_deadline_comes_from_settings(outcodes: OutcodeTable) -> None:
    settings = load_settings({"POSTCODES_IO_URL": BASE, "GEOCODER_DEADLINE": "1.5"})
    assert Geocoder.from_settings(settings, outcodes).deadline == 1.5
    assert Geocoder.from_settings(load_settings({}), outcodes).deadline == DEFAULT_DEADLINE


def _ours(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    """Log records of this process's side; werkzeug's are the fake postcodes.io's own."""
    return [r for r in records if not r.name.startswith("werkzeug")]


def _full_postcodes_in(records: list[logging.LogRecord]) -> list[str]:
    lines = [f"{r.name}: {r.getMessage()}" for r in _ours(records)]
    return [line for line in lines if re.search(r"(?i)NR2\s*(%20)?4EE", line)]


Down = Callable[[str, int], Geocoder]


@pytest.fixture
def down(outcodes: OutcodeTable, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture) -> Down:
    """``down(path, retries)``: a geocoder whose postcodes.io answers 503 at ``path``; all logs captured."""
    caplog.set_level(logging.DEBUG)

    def geocoder(path: str, retries: int) -> Geocoder:
        httpserver.expect_request(path).respond_with_data("down", status=503)
        return Geocoder(
            outcodes,
            base_url=httpserver.url_for("").rstrip("/"),
            session=make_session(retries=retries, backoff=0),
        )

    return geocoder


def test_logs_name_only_the_outward_code_when_postcodes_io_fails(
    down: Down, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    geocoder = down("/postcodes/NR24EE", 2)
    point = geocoder.geocode("nr2 4ee")
    assert point is not None and point.source == "offline"
    assert len(httpserver.log) == 3  # retried by urllib3, which logs each try
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    assert any(r.name == "bot.geo.geocoder" and "NR2" in r.getMessage() for r in caplog.records)
    assert _full_postcodes_in(caplog.records) == []


def test_logs_name_only_the_outward_code_when_postcodes_io_hangs(
    outcodes: OutcodeTable,
    hanging_postcodes_io: FakePostcodesIo,
    caplog: pytest.LogCaptureFixture,
) -> None:
    geocoder = Geocoder(
        outcodes,
        base_url=hanging_postcodes_io.url,
        timeout=0.2,
        deadline=5,
        session=make_session(retries=1, backoff=0),
    )
    caplog.set_level(logging.DEBUG)
    assert geocoder.geocode("NR2 4EE").source == "offline"  # type: ignore[union-attr]
    assert any("Retrying" in r.getMessage() for r in caplog.records)  # urllib3's warning names the path
    assert _full_postcodes_in(caplog.records) == []


def test_reverse_lookup_logs_no_coordinates(down: Down, caplog: pytest.LogCaptureFixture) -> None:
    geocoder = down("/postcodes", 1)
    assert geocoder.reverse(52.63021, 1.28534) is not None
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    assert not [
        r.getMessage()
        for r in _ours(caplog.records)
        if "52.63" in r.getMessage() or "1.285" in r.getMessage()
    ]


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("GET /postcodes/NR24EE HTTP/1.1", "GET /postcodes/NR2 *** HTTP/1.1"),
        ("/postcodes/sw1a%201aa", "/postcodes/SW1A ***"),
        ("NR2 4EE and EC1A1BB", "NR2 *** and EC1A ***"),
        ("/outcodes/NR2", "/outcodes/NR2"),
        ("/postcodes?lon=1.2853&lat=52.6302&limit=1", "/postcodes?lon=***&lat=***&limit=1"),
    ],
)
def test_redact_locations(text: str, redacted: str) -> None:
    assert redact_locations(text) == redacted
