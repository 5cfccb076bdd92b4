from __future__ import annotations

import json

import pytest
import responses
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.directory import schema
from bot.directory.csv_loader import DirectoryLoadError, load_csv_directory
from bot.directory.oruk_loader import load_oruk_directory, map_services, read_feed, schedules_to_opening_hours
from bot.directory.search import DirectorySearch
from bot.geo.geocoder import Geocoder
from tests.directory.conftest import FIXTURES, SAMPLE

V1 = FIXTURES / "oruk_v1_services.json"
V3 = FIXTURES / "oruk_v3_services.json"


def test_v1_feed(engine: Engine, offline_geocoder: Geocoder) -> None:
    summary = load_oruk_directory(engine, str(V1), offline_geocoder)
    assert summary.hubs == 2
    assert any("Lunch club" in w and "no taxonomy term or name maps" in w for w in summary.warnings)
    assert any("svc-104" in w and "inactive" in w for w in summary.warnings)
    search = DirectorySearch(engine)
    forum = search.get_hub("loc-forum")
    assert forum is not None
    assert forum.name == "The Forum" and forum.postcode == "NR2 1AW"
    assert set(forum.services) == {"skills_help", "wifi", "computers", "free_sim"}
    assert forum.opening_hours == "Mo-Fr 09:00-17:00; Sa 10:00-13:00"
    assert forum.phone == "01603 774777" and forum.languages == ("en", "pl")
    assert forum.accessibility == ("hearing_loop", "wheelchair")
    mile_cross = search.get_hub("loc-mile-cross")
    assert mile_cross is not None and mile_cross.services == ("free_sim",)
    assert mile_cross.opening_hours == "Tu 10:00-16:00; Th 10:00-16:00"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.Service.__table__)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(schema.ServiceAtLocation.__table__)).scalar_one() == 3


def test_v3_feed(engine: Engine, offline_geocoder: Geocoder) -> None:
    summary = load_oruk_directory(engine, str(V3), offline_geocoder)
    assert summary.hubs == 2 and summary.geocoded == 1
    assert any("sc4" in w and "not a simple weekly schedule" in w for w in summary.warnings)
    search = DirectorySearch(engine)
    age_uk = search.get_hub("loc-ageuk")
    assert age_uk is not None
    assert age_uk.services == ("benefits_help", "health_online_help")
    assert age_uk.opening_hours == "Mo-Fr 09:00-16:30"
    assert age_uk.accessibility == ("accessible_toilet", "wheelchair")
    vauxhall = search.get_hub("loc-vauxhall")
    assert vauxhall is not None and vauxhall.services == ("device_bank",)
    assert vauxhall.opening_hours == "Tu 10:00-12:00,13:00-14:00"
    nearest = search.nearest_hubs(52.63, 1.29, ["device_bank"])
    assert [h.id for h in nearest] == ["loc-vauxhall"]


def test_oruk_load_replaces_csv_directory(engine: Engine, offline_geocoder: Geocoder) -> None:
    load_csv_directory(engine, SAMPLE / "hubs.csv", SAMPLE / "courses.csv", offline_geocoder)
    load_oruk_directory(engine, str(V3), offline_geocoder)
    assert {h.id for h in DirectorySearch(engine).all_hubs()} == {"loc-ageuk", "loc-vauxhall"}


def test_feed_with_nothing_usable_changes_nothing(engine: Engine, tmp_path, offline_geocoder: Geocoder) -> None:  # type: ignore[no-untyped-def]
    load_oruk_directory(engine, str(V3), offline_geocoder)
    empty = tmp_path / "feed.json"
    empty.write_text(json.dumps({"content": [{"id": "x", "name": "Lunch club"}]}))
    with pytest.raises(DirectoryLoadError):
        load_oruk_directory(engine, str(empty), offline_geocoder)
    assert len(DirectorySearch(engine).all_hubs()) == 2


def test_bad_json_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "feed.json"
    path.write_text("{not json")
    with pytest.raises(DirectoryLoadError) as info:
        read_feed(str(path))
    assert "is not a UTF-8 JSON file" in info.value.problems[0]


@responses.activate
def test_url_pagination_is_followed_up_to_a_bound() -> None:
    page = json.loads(V1.read_text())
    first = dict(page, last=False, totalPages=3, content=page["content"][:2])
    second = dict(page, last=False, totalPages=3, number=2, content=page["content"][2:])
    responses.get("https://feed.test/services?page=1", json=first, match_querystring=True)
    responses.get("https://feed.test/services?page=2", json=second, match_querystring=True)
    responses.get("https://feed.test/services?page=3", json=dict(page, content=[]), match_querystring=True)
    assert len(read_feed("https://feed.test/services")) == 4
    assert len(responses.calls) == 3
    responses.calls.reset()
    assert len(read_feed("https://feed.test/services", max_pages=1)) == 2
    assert len(responses.calls) == 1


@responses.activate
def test_url_failure_is_a_load_error() -> None:
    responses.get("https://feed.test/services", status=500)
    with pytest.raises(DirectoryLoadError) as info:
        read_feed("https://feed.test/services")
    assert "could not be fetched" in info.value.problems[0]


def test_keyword_map() -> None:
    assert map_services(["Public computers and Wi-Fi"]) == ["wifi", "computers"]
    assert map_services(["Universal Credit help"]) == ["benefits_help"]
    assert map_services(["Help writing your CV"]) == ["job_help"]
    assert map_services(["Food donations"]) == []
    assert map_services(["Lunch club"]) == []


def test_schedules_to_opening_hours() -> None:
    expr, warnings = schedules_to_opening_hours([
        {"byday": "MO,TU,WE", "opens_at": "09:00:00", "closes_at": "17:00:00"},
        {"byday": "FR", "opens_at": "09:00", "closes_at": "12:00"},
        {"byday": "FR", "opens_at": "13:00", "closes_at": "16:00"},
        {"byday": "SU", "opens_at": "", "closes_at": "12:00", "id": "bad"},
    ])
    assert expr == "Mo-We 09:00-17:00; Fr 09:00-12:00,13:00-16:00"
    assert warnings == ["schedule bad is not a simple weekly schedule; skipped"]
    assert schedules_to_opening_hours([]) == (None, [])
