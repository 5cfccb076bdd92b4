from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import responses
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.__main__ import main
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
        assert (
            conn.execute(select(func.count()).select_from(schema.ServiceAtLocation.__table__)).scalar_one()
            == 3
        )


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


def test_feed_with_nothing_usable_changes_nothing(
    engine: Engine, tmp_path, offline_geocoder: Geocoder
) -> None:  # type: ignore[no-untyped-def]
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
    with pytest.raises(DirectoryLoadError, match="more than 1 pages"):
        read_feed("https://feed.test/services", max_pages=1)  # page 1 says there are 3
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
    expr, warnings = schedules_to_opening_hours(
        [
            {"byday": "MO,TU,WE", "opens_at": "09:00:00", "closes_at": "17:00:00"},
            {"byday": "FR", "opens_at": "09:00", "closes_at": "12:00"},
            {"byday": "FR", "opens_at": "13:00", "closes_at": "16:00"},
            {"byday": "SU", "opens_at": "", "closes_at": "12:00", "id": "bad"},
        ]
    )
    assert expr == "Mo-We 09:00-17:00; Fr 09:00-12:00,13:00-16:00"
    assert warnings == ["schedule bad is not a simple weekly schedule; skipped"]
    assert schedules_to_opening_hours([]) == (None, [])


# -- a feed longer than the page limit changes nothing -----------------------


def _pages(httpserver: HTTPServer, pages: list[list[dict]], **extra: object) -> str:
    """Serve ``pages`` at /services?page=N (1-based) on loopback; page N+1 is empty."""
    for number, content in enumerate([*pages, []], start=1):
        httpserver.expect_request("/services", query_string=f"page={number}").respond_with_json(
            {"content": content, "number": number, **extra}
        )
    return httpserver.url_for("/services")


def _v1_services() -> list[dict]:
    return json.loads(V1.read_text())["content"]


def test_feed_longer_than_the_limit_leaves_the_directory_unchanged(
    engine: Engine,
    offline_geocoder: Geocoder,
    httpserver: HTTPServer,
) -> None:
    load_oruk_directory(engine, str(V3), offline_geocoder)
    services = _v1_services()
    url = _pages(httpserver, [services[:2], services[2:]])  # no page count: only a look past the limit tells
    with pytest.raises(DirectoryLoadError) as info:
        load_oruk_directory(engine, url, offline_geocoder, max_pages=1)
    assert "more than 1 pages" in info.value.problems[0] and "--max-pages" in info.value.problems[0]
    assert {h.id for h in DirectorySearch(engine).all_hubs()} == {"loc-ageuk", "loc-vauxhall"}
    summary = load_oruk_directory(engine, url, offline_geocoder, max_pages=2)  # exactly two pages: fine
    assert summary.hubs == 2


def test_a_stated_page_count_over_the_limit_stops_at_the_first_page(
    offline_geocoder: Geocoder,
    httpserver: HTTPServer,
) -> None:
    services = _v1_services()
    url = _pages(httpserver, [services[:1], services[1:2], services[2:]], totalPages=3, last=False)
    with pytest.raises(DirectoryLoadError, match="more than 2 pages"):
        read_feed(url, max_pages=2)
    assert len(httpserver.log) == 1


def test_cli_refuses_a_long_feed_and_max_pages_reads_it(
    httpserver: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SIGNPOST_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DIRECTORY_URL", f"sqlite:///{tmp_path / 'var' / 'directory.db'}")
    monkeypatch.setenv("GEOCODER", "offline")
    services = _v1_services()
    url = _pages(httpserver, [services[:1], services[1:2], services[2:]])
    assert main(["directory", "load-oruk", url, "--max-pages", "2"]) == 1
    err = capsys.readouterr().err
    assert "more than 2 pages" in err and "the directory was not changed" in err and "Traceback" not in err
    assert main(["directory", "load-oruk", url, "--max-pages", "3"]) == 0
    assert "Loaded 2 hubs" in capsys.readouterr().out


# -- nested parts that are not objects are named, not crashed on -------------


def _set(service: dict, path: str, value: object) -> None:
    """Set ``a.b[0].c`` inside ``service``."""
    target: Any = service
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    for part in parts[:-1]:
        target = target[int(part[1:-1])] if part.startswith("[") else target[part]
    last = parts[-1]
    if last.startswith("["):
        target[int(last[1:-1])] = value
    else:
        target[last] = value


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (
            "service_taxonomys[0]",
            "Digital inclusion",
            "service_taxonomys[0] should be an object, not text ('Digital inclusion')",
        ),
        (
            "service_taxonomys[1].taxonomy",
            ["wifi"],
            "service_taxonomys[1].taxonomy should be an object, not a list",
        ),
        (
            "contacts[0].phones",
            "01603 774777",
            "contacts[0].phones should be a list, not text ('01603 774777')",
        ),
        (
            "contacts[0].phones[0]",
            1603774777,
            "contacts[0].phones[0] should be an object, not a number (1603774777)",
        ),
        ("organization", "Norfolk County Council", "organization should be an object, not text"),
        ("regular_schedules[1]", "Sa 10:00-13:00", "regular_schedules[1] should be an object"),
        ("service_at_locations[0]", None, "service_at_locations[0] should be an object, not null"),
        (
            "service_at_locations[0].location",
            "The Forum",
            "service_at_locations[0].location should be an object, not text",
        ),
        (
            "service_at_locations[0].location.physical_addresses[0]",
            "Millennium Plain, NR2 1AW",
            "service_at_locations[0].location.physical_addresses[0] should be an object",
        ),
        (
            "service_at_locations[0].location.accessibility_for_disabilities",
            {"accessibility": "wheelchair"},
            "service_at_locations[0].location.accessibility_for_disabilities should be a list, not an object",
        ),
        ("languages", 5, "languages should be a list, not a number (5)"),
    ],
)
def test_a_nested_part_that_is_not_an_object_is_a_clear_error(
    path: str,
    value: object,
    named: str,
    engine: Engine,
    offline_geocoder: Geocoder,
    tmp_path: Path,
) -> None:
    load_oruk_directory(engine, str(V3), offline_geocoder)
    feed = json.loads(V1.read_text())
    _set(feed["content"][0], path, value)
    broken = tmp_path / "feed.json"
    broken.write_text(json.dumps(feed))
    with pytest.raises(DirectoryLoadError) as info:
        load_oruk_directory(engine, str(broken), offline_geocoder)
    [problem] = info.value.problems
    assert problem.startswith(f"{broken}: service svc-101 (Digital Champions drop-in): {named}")
    assert {h.id for h in DirectorySearch(engine).all_hubs()} == {"loc-ageuk", "loc-vauxhall"}


def test_a_service_that_is_not_an_object_is_a_clear_error(tmp_path: Path) -> None:
    feed = json.loads(V1.read_text())
    feed["content"].insert(1, "Digital Champions drop-in")
    broken = tmp_path / "feed.json"
    broken.write_text(json.dumps(feed))
    with pytest.raises(DirectoryLoadError) as info:
        read_feed(str(broken))
    assert info.value.problems == [
        f"{broken}: content[1] should be a service (a JSON object), not text ('Digital Champions drop-in')"
    ]
