from __future__ import annotations

from pathlib import Path

import pytest
import requests
import responses
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.directory import schema
from bot.directory.csv_loader import DirectoryLoadError, load_csv_directory, parse_csv_directory
from bot.directory.search import DirectorySearch
from bot.geo.geocoder import Geocoder, make_session
from bot.geo.outcodes import OutcodeTable
from tests.directory.conftest import SAMPLE
from tests.support.directory_csv import COURSE_HEADER, course, hub, write_csv


def _problems(hubs: Path, courses: Path | None = None, geocoder: Geocoder | None = None) -> list[str]:
    with pytest.raises(DirectoryLoadError) as info:
        parse_csv_directory(hubs, courses, geocoder)
    return info.value.problems


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_sample_data_loads(engine: Engine, offline_geocoder: Geocoder) -> None:
    summary = load_csv_directory(engine, SAMPLE / "hubs.csv", SAMPLE / "courses.csv", offline_geocoder)
    assert summary.hubs >= 15 and summary.courses >= 10 and summary.geocoded >= 1
    assert _count(engine, schema.Location.__table__) == summary.hubs


def test_valid_files_with_bom_and_any_column_order(engine: Engine, tmp_path: Path) -> None:
    header = [
        "services",
        "name",
        "id",
        "postcode",
        "address",
        "longitude",
        "latitude",
        "opening_hours",
        "languages",
    ]
    hubs = write_csv(tmp_path / "hubs.csv", [hub(languages="en;pl")], header=header, bom=True)
    courses = write_csv(
        tmp_path / "courses.csv",
        [course(), course(id="c2", mode="online", hub_id="", url="https://learn.example/", cost="12.50")],
        header=COURSE_HEADER,
        bom=True,
    )
    summary = load_csv_directory(engine, hubs, courses)
    assert (summary.hubs, summary.courses) == (1, 2)
    result = DirectorySearch(engine).get_hub("h1")
    assert result is not None and result.name == "Hub One" and result.languages == ("en", "pl")
    assert result.phone is None  # column absent = unknown
    _, online = DirectorySearch(engine).courses(["basics"])
    assert online[0].cost == 12.5


def test_unknown_column_is_a_warning(tmp_path: Path) -> None:
    rows = [dict(hub(), colour="blue")]
    hubs, _, warnings, _ = parse_csv_directory(write_csv(tmp_path / "hubs.csv", rows))
    assert len(hubs) == 1
    assert warnings == [f"{tmp_path / 'hubs.csv'}:1: colour: unknown column, ignored"]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"id": ""}, "id: is required but blank"),
        ({"name": ""}, "name: is required but blank"),
        ({"address": ""}, "address: is required but blank"),
        ({"postcode": ""}, "postcode: is required but blank"),
        ({"postcode": "NR2"}, "postcode: 'NR2' is not a full UK postcode"),
        ({"postcode": "hello"}, "postcode: 'hello' is not a full UK postcode"),
        ({"services": ""}, "services: is required but blank"),
        ({"services": "wifi;coffee"}, "services: 'coffee' is not one of"),
        ({"accessibility": "ramp"}, "accessibility: 'ramp' is not one of"),
        ({"languages": "EN"}, "languages: 'EN' is not an ISO 639-1 code"),
        ({"languages": "eng"}, "languages: 'eng' is not an ISO 639-1 code"),
        ({"booking": "walk_in"}, "booking: 'walk_in' is not one of"),
        ({"website": "www.example.org"}, "website: 'www.example.org' is not an absolute http(s) URL"),
        ({"website": "ftp://example.org"}, "website: 'ftp://example.org' is not an absolute http(s) URL"),
        ({"email": "nobody"}, "email: 'nobody' is not an email address"),
        (
            {"opening_hours": "9 to 5 weekdays"},
            "opening_hours: '9 to 5 weekdays' is not OpenStreetMap opening_hours syntax",
        ),
        ({"latitude": "north"}, "latitude: 'north' is not a number"),
        ({"latitude": "40.5"}, "latitude: 40.5 is outside the UK"),
        ({"longitude": ""}, "longitude: is blank but the other coordinate is filled"),
    ],
)
def test_each_bad_hub_cell_is_reported_with_file_row_column(
    tmp_path: Path, cells: dict[str, str], expected: str
) -> None:
    path = write_csv(tmp_path / "hubs.csv", [hub(id="ok"), hub(**cells)])
    problems = _problems(path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:3: {expected}")


def test_every_problem_is_listed(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "hubs.csv",
        [hub(id="a", services="nope"), hub(id="b"), hub(id="a", booking="x", languages="EN")],
    )
    problems = _problems(path)
    assert problems == [
        f"{path}:2: services: 'nope' is not one of: " + problems[0].split("one of: ")[1],
        f"{path}:4: id: 'a' is used again (first on row 2)",
        f"{path}:4: languages: 'EN' is not an ISO 639-1 code (two lower-case letters, e.g. en, pl)",
        f"{path}:4: booking: 'x' is not one of: drop_in, appointment, both",
    ]


def test_row_numbers_count_quoted_line_breaks_as_one_row(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "hubs.csv", [hub(id="a", notes="line one\nline two"), hub(id="b", postcode="bad")]
    )
    assert _problems(path) == [f"{path}:3: postcode: 'bad' is not a full UK postcode"]


def test_missing_required_column(tmp_path: Path) -> None:
    header = ["id", "name", "address", "latitude", "longitude"]
    path = write_csv(tmp_path / "hubs.csv", [hub()], header=header)
    problems = _problems(path)
    assert f"{path}:1: postcode: required column is missing" in problems
    assert f"{path}:1: services: required column is missing" in problems


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "hubs.csv"
    path.write_bytes(b"")
    assert _problems(path) == [f"{path}:1: file: is empty; it needs a header row and at least one row"]


def test_header_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "hubs.csv", [], header=list(hub()))
    assert _problems(path) == [f"{path}:1: file: has a header but no rows"]


def test_non_utf8_bytes_are_reported_clearly(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "hubs.csv", [hub(), hub(id="h2", name="Caf\u00e9")])
    path.write_bytes(path.read_bytes().replace("Café".encode(), "Café".encode("cp1252")))
    problems = _problems(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:3: file: is not UTF-8 (byte 0xe9")


def test_course_rules(tmp_path: Path) -> None:
    hubs = write_csv(tmp_path / "hubs.csv", [hub()])
    rows = [
        course(id="c1"),
        course(id="c1"),
        course(id="c3", hub_id=""),
        course(id="c4", hub_id="nowhere"),
        course(id="c5", mode="online", hub_id="", url=""),
        course(id="c6", mode="video"),
        course(id="c7", topics="knitting"),
        course(id="c8", level="expert"),
        course(id="c9", schedule="Tuesdays"),
        course(id="c10", start_date="01/02/2026"),
        course(id="c11", start_date="2026-03-01", end_date="2026-02-01"),
        course(id="c12", url="learnmyway.com"),
        course(id="c13", cost="free"),
        course(id="c14", cost="-1"),
        course(id="", title="", topics=""),
    ]
    courses = write_csv(tmp_path / "courses.csv", rows, header=COURSE_HEADER)
    problems = [p.split(":", 1)[1] for p in _problems(hubs, courses)]
    assert problems == [
        "3: id: 'c1' is used again (first on row 2)",
        "4: hub_id: is required for in_person courses",
        "5: hub_id: 'nowhere' is not the id of a hub in the hubs file",
        "6: url: is required for online courses",
        "7: mode: 'video' is not one of: in_person, online",
        "8: topics: 'knitting' is not one of: "
        + ", ".join(__import__("bot.directory.vocabulary", fromlist=["TOPICS"]).TOPICS),
        "9: level: 'expert' is not one of: beginner, improver, any",
        problems[7],
        "11: start_date: '01/02/2026' is not a date written YYYY-MM-DD",
        "12: end_date: 2026-02-01 is before start_date 2026-03-01",
        "13: url: 'learnmyway.com' is not an absolute http(s) URL (start it with https://)",
        "14: cost: 'free' is not a price in pounds (a number such as 0 or 12.50)",
        "15: cost: '-1' is not a price in pounds (a number such as 0 or 12.50)",
        "16: id: is required but blank",
        "16: title: is required but blank",
        "16: topics: is required but blank",
    ]
    assert problems[7].startswith("10: schedule: 'Tuesdays' is not OpenStreetMap opening_hours syntax")
    assert all(p.startswith(str(tmp_path / "courses.csv")) for p in _problems(hubs, courses))


def test_course_at_a_faulty_hub_is_not_blamed_twice(tmp_path: Path) -> None:
    hubs = write_csv(tmp_path / "hubs.csv", [hub(postcode="bad")])
    courses = write_csv(tmp_path / "courses.csv", [course()], header=COURSE_HEADER)
    assert _problems(hubs, courses) == [f"{hubs}:2: postcode: 'bad' is not a full UK postcode"]


def test_a_bad_load_leaves_the_good_directory_untouched(engine: Engine, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", [hub(id="keep", name="Kept hub")])
    load_csv_directory(engine, good)
    bad = write_csv(tmp_path / "bad.csv", [hub(id="new1"), hub(id="new2", services="nope")])
    with pytest.raises(DirectoryLoadError):
        load_csv_directory(engine, bad)
    assert [h.name for h in DirectorySearch(engine).all_hubs()] == ["Kept hub"]


def test_a_database_failure_midway_rolls_back(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_csv_directory(engine, write_csv(tmp_path / "good.csv", [hub(id="keep", name="Kept hub")]))
    from bot.directory import store

    def explode(conn, table, rows):  # type: ignore[no-untyped-def]
        if table is schema.Schedule.__table__:
            raise RuntimeError("disk full")
        return original(conn, table, rows)

    original = store._insert
    monkeypatch.setattr(store, "_insert", explode)
    with pytest.raises(RuntimeError):
        load_csv_directory(engine, write_csv(tmp_path / "new.csv", [hub(id="new", name="New hub")]))
    assert [h.name for h in DirectorySearch(engine).all_hubs()] == ["Kept hub"]


def test_reload_replaces_everything(engine: Engine, tmp_path: Path) -> None:
    load_csv_directory(
        engine,
        write_csv(tmp_path / "a.csv", [hub(id="a"), hub(id="b")]),
        write_csv(tmp_path / "c.csv", [course(hub_id="a")], header=COURSE_HEADER),
    )
    load_csv_directory(engine, write_csv(tmp_path / "b.csv", [hub(id="c")]))
    assert [h.id for h in DirectorySearch(engine).all_hubs()] == ["c"]
    assert _count(engine, schema.Course.__table__) == 0


@responses.activate
def test_blank_coordinates_are_geocoded_at_load(
    engine: Engine, tmp_path: Path, outcodes: OutcodeTable
) -> None:
    geocoder = Geocoder(outcodes, base_url="https://pc.test", session=make_session(retries=0))
    responses.get(
        "https://pc.test/postcodes/NR21NH",
        json={"status": 200, "result": {"postcode": "NR2 1NH", "latitude": 52.6287, "longitude": 1.2923}},
    )
    responses.get("https://pc.test/postcodes/NR99ZZ", status=404, json={"status": 404})
    responses.get("https://pc.test/postcodes/NR32RJ", body=requests.exceptions.ConnectTimeout())
    path = write_csv(tmp_path / "hubs.csv", [hub(id="a", postcode="NR2 1NH", latitude="", longitude="")])
    summary = load_csv_directory(engine, path, geocoder=geocoder)
    assert summary.geocoded == 1 and summary.warnings == ()
    result = DirectorySearch(engine).get_hub("a")
    assert result is not None and (result.latitude, result.longitude) == (52.6287, 1.2923)

    bad = write_csv(tmp_path / "bad.csv", [hub(id="x", postcode="NR9 9ZZ", latitude="", longitude="")])
    assert _problems(bad, geocoder=geocoder) == [
        f"{bad}:2: postcode: NR9 9ZZ could not be found by the geocoder;"
        " check it or fill latitude and longitude"
    ]
    slow = write_csv(tmp_path / "slow.csv", [hub(id="y", postcode="NR3 2RJ", latitude="", longitude="")])
    hubs, _, warnings, geocoded = parse_csv_directory(slow, geocoder=geocoder)
    assert geocoded == 1 and hubs[0].geocoded == "offline"
    assert warnings == [f"{slow}:2: postcode: NR3 2RJ placed approximately at the centre of NR3 (offline)"]


def test_blank_coordinates_without_geocoder_is_a_problem(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "hubs.csv", [hub(latitude="", longitude="")])
    assert _problems(path) == [
        f"{path}:2: latitude: is blank and no geocoder is available; fill latitude and longitude"
    ]


def _columns_at_fault(problems: list[str]) -> list[str]:
    return [problem.split(":")[2].strip() for problem in problems]


def test_a_hub_row_with_many_faults_lists_them_all_in_column_order(tmp_path: Path) -> None:
    """Always the same order, so someone fixing a file row by row sees what is left."""
    faults = {"postcode": "bad", "services": "coffee", "booking": "x", "email": "nobody", "latitude": "north"}
    hubs = write_csv(tmp_path / "hubs.csv", [hub(id="ok"), hub(**faults)])
    assert _columns_at_fault(_problems(hubs)) == list(faults)


def test_a_course_row_with_many_faults_lists_them_all_in_column_order(tmp_path: Path) -> None:
    faults = {
        "hub_id": "",  # required in person
        "topics": "knitting",
        "level": "expert",
        "schedule": "Tuesdays",
        "end_date": "2026-02-01",  # before the start
        "url": "learnmyway.com",
        "cost": "free",
    }
    hubs = write_csv(tmp_path / "hubs.csv", [hub()])
    bad = course(mode="in_person", start_date="2026-03-01", **faults)
    courses = write_csv(tmp_path / "courses.csv", [bad], header=COURSE_HEADER)
    assert _columns_at_fault(_problems(hubs, courses)) == list(faults)
