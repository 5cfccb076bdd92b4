from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.directory.csv_loader import load_csv_directory
from bot.directory.search import DirectorySearch
from bot.geo.distance import haversine_miles
from tests.directory.conftest import SAMPLE
from tests.support.directory_csv import COURSE_HEADER, course, hub, write_csv

ORIGIN = (52.6300, 1.2900)  # Norwich city centre


def _north(miles: float) -> str:
    return f"{ORIGIN[0] + miles / 69.05:.6f}"


@pytest.fixture
def search(engine: Engine, tmp_path: Path) -> DirectorySearch:
    # hubs due north of ORIGIN: id, name, miles, services, accessibility, languages
    north = [
        ("near", "Near Library", 0.5, "wifi;computers", "wheelchair", "en"),
        ("mid", "Mid Centre", 2, "device_bank", "wheelchair;hearing_loop", "en;pl"),
        ("far", "Far Hall", 9, "wifi;device_lending", "wheelchair;hearing_loop", "pl"),
    ]
    hubs = [
        hub(id=i, name=n, latitude=_north(m), longitude="1.29", services=s, accessibility=a, languages=lang)
        for i, n, m, s, a, lang in north
    ]
    hubs += [
        hub(
            id="farther",
            name="Farther Hub",
            latitude=_north(30),
            longitude="1.29",
            services="wifi",
            opening_hours="",
        ),
        hub(
            id="london",
            name="London Hub",
            postcode="SW1A 1AA",
            latitude="51.501",
            longitude="-0.1416",
            services="free_sim",
        ),
    ]
    online = {"mode": "online", "hub_id": "", "topics": "basics"}
    courses = [
        course(id="basics-near", title="Basics near", hub_id="near", topics="basics;email", level="beginner"),
        course(id="basics-far", title="Basics far", hub_id="far", topics="basics", level="improver"),
        course(id="jobs-any", title="Jobs anyone", hub_id="mid", topics="jobs", level=""),
        course(id="ended", title="Old course", hub_id="near", topics="basics", end_date="2026-01-31"),
        course(
            id="online-basics", title="Online basics", url="https://learn.example/", level="any", **online
        ),
        course(
            id="online-ended",
            title="Online ended",
            url="https://old.example/",
            end_date="2025-12-31",
            **online,
        ),
    ]
    load_csv_directory(
        engine,
        write_csv(tmp_path / "hubs.csv", hubs),
        write_csv(tmp_path / "courses.csv", courses, header=COURSE_HEADER),
    )
    return DirectorySearch(engine)


def test_distance_order_and_service_any_match(search: DirectorySearch) -> None:
    results = search.nearest_hubs(*ORIGIN, services=["wifi", "device_bank"], limit=10)
    assert [r.id for r in results] == ["near", "mid", "far", "farther"]
    assert [r.distance_miles for r in results] == pytest.approx([0.5, 2, 9, 30], abs=0.02)
    assert results == sorted(results, key=lambda r: r.distance_miles)


def test_service_filter(search: DirectorySearch) -> None:
    assert [r.id for r in search.nearest_hubs(*ORIGIN, ["device_lending"])] == ["far"]
    assert [r.id for r in search.nearest_hubs(*ORIGIN, ["free_sim"])] == ["london"]
    assert search.nearest_hubs(*ORIGIN, ["printing"]) == []
    assert search.nearest_hubs(*ORIGIN, []) == []


def test_accessibility_and_languages_require_all(search: DirectorySearch) -> None:
    services = ["wifi", "device_bank"]
    assert [
        r.id for r in search.nearest_hubs(*ORIGIN, services, accessibility=["wheelchair", "hearing_loop"])
    ] == ["mid", "far"]
    assert [r.id for r in search.nearest_hubs(*ORIGIN, services, languages=["pl"])] == ["mid", "far"]
    assert [r.id for r in search.nearest_hubs(*ORIGIN, services, languages=["pl", "en"])] == ["mid"]
    assert search.nearest_hubs(*ORIGIN, services, accessibility=["quiet_space"]) == []


def test_limit(search: DirectorySearch) -> None:
    assert [r.id for r in search.nearest_hubs(*ORIGIN, ["wifi"], limit=2)] == ["near", "far"]
    assert search.nearest_hubs(*ORIGIN, ["wifi"], limit=0) == []


def test_nothing_nearby_with_max_miles(search: DirectorySearch) -> None:
    assert search.nearest_hubs(*ORIGIN, ["free_sim"], max_miles=5) == []
    assert [r.id for r in search.nearest_hubs(*ORIGIN, ["wifi"], max_miles=10)] == ["near", "far"]


def test_widening_finds_the_true_nearest_far_away(search: DirectorySearch) -> None:
    results = search.nearest_hubs(*ORIGIN, ["free_sim"])
    assert results[0].distance_miles == pytest.approx(haversine_miles(*ORIGIN, 51.501, -0.1416), abs=0.01)


def test_result_fields(search: DirectorySearch) -> None:
    result = search.nearest_hubs(*ORIGIN, ["wifi"], now=datetime(2026, 1, 12, 10, 0))[0]
    assert (result.name, result.postcode, result.booking, result.website) == (
        "Near Library",
        "NR2 1AW",
        "drop_in",
        "https://example.org/",
    )
    assert (
        result.services == ("computers", "wifi")
        and result.accessibility == ("wheelchair",)
        and result.languages == ("en",)
    )
    assert result.opening_hours == "Mo-Fr 09:00-17:00"
    assert result.hours.open_now is True and result.hours.today == "9am to 5pm"
    farther = search.get_hub("farther")
    assert farther is not None and farther.opening_hours is None and farther.hours.open_now is None
    assert farther.distance_miles is None
    assert search.get_hub("missing") is None


def test_courses_by_topic_level_and_distance(search: DirectorySearch) -> None:
    in_person, online = search.courses(["basics"], None, *ORIGIN, today=date(2026, 6, 1))
    assert [c.id for c in in_person] == ["basics-near", "basics-far"]
    assert in_person[0].hub is not None and in_person[0].hub.id == "near" and in_person[0].distance_miles < 1
    assert [c.id for c in online] == ["online-basics"]
    beginners, _ = search.courses(["basics"], "beginner", *ORIGIN, today=date(2026, 6, 1))
    assert [c.id for c in beginners] == ["basics-near"]
    jobs, no_online = search.courses(["jobs"], "improver", *ORIGIN, today=date(2026, 6, 1))
    assert [c.id for c in jobs] == ["jobs-any"] and no_online == []


def test_ended_courses_are_excluded(search: DirectorySearch) -> None:
    in_person, online = search.courses(["basics"], None, *ORIGIN, limit=10, today=date(2026, 1, 15))
    assert "ended" in [c.id for c in in_person] and "online-ended" not in [c.id for c in online]
    in_person, _ = search.courses(["basics"], None, *ORIGIN, limit=10, today=date(2026, 2, 1))
    assert "ended" not in [c.id for c in in_person]


def test_courses_without_location(search: DirectorySearch) -> None:
    in_person, online = search.courses(["email"], today=date(2026, 6, 1))
    assert [c.id for c in in_person] == ["basics-near"] and in_person[0].distance_miles is None
    assert in_person[0].free and in_person[0].schedule == "Tu 10:00-12:00"
    assert in_person[0].hub_name == "Near Library"


def test_sample_directory_answers_every_need(engine: Engine, offline_geocoder) -> None:  # type: ignore[no-untyped-def]
    from bot.needs import NEEDS

    load_csv_directory(engine, SAMPLE / "hubs.csv", SAMPLE / "courses.csv", offline_geocoder)
    search = DirectorySearch(engine)
    for need in NEEDS.values():
        assert search.nearest_hubs(*ORIGIN, need.services, max_miles=5), need.intent
        if need.topics:
            in_person, online = search.courses(need.topics, None, *ORIGIN, today=date(2026, 6, 1))
            assert in_person or online, need.intent
