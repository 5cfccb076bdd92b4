from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.__main__ import main
from bot.directory.check import check_directory
from bot.directory.csv_loader import load_csv_directory
from tests.directory.conftest import SAMPLE
from tests.support.directory_csv import COURSE_HEADER, course, hub, write_csv


def test_check_finds_each_kind_of_problem(engine: Engine, tmp_path: Path) -> None:
    hubs = [
        hub(id="ok"),
        hub(id="silent", name="Silent", opening_hours="", phone=""),
        hub(id="nohours", name="No Hours", opening_hours=""),
        hub(id="dup1", name="Twin Hall", postcode="NR3 2RJ"),
        hub(id="dup2", name="twin  hall", postcode="NR3 2RJ"),
    ]
    courses = [
        course(id="old", hub_id="ok", title="Old course", end_date="2026-01-01"),
        course(id="current", hub_id="ok", end_date="2026-12-31"),
    ]
    load_csv_directory(
        engine,
        write_csv(tmp_path / "h.csv", hubs),
        write_csv(tmp_path / "c.csv", courses, header=COURSE_HEADER),
    )
    problems = check_directory(engine, today=date(2026, 6, 1))
    assert [(p.kind, p.subject) for p in problems] == [
        ("course_ended", "old"),
        ("duplicate", "dup1, dup2"),
        ("no_hours", "nohours"),
        ("unreachable", "silent"),
    ]


def test_check_clean_sample(engine: Engine, offline_geocoder) -> None:  # type: ignore[no-untyped-def]
    load_csv_directory(engine, SAMPLE / "hubs.csv", SAMPLE / "courses.csv", offline_geocoder)
    assert check_directory(engine, today=date(2026, 6, 1)) == []


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SIGNPOST_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DIRECTORY_URL", f"sqlite:///{tmp_path / 'var' / 'directory.db'}")
    monkeypatch.setenv("GEOCODER", "offline")
    return tmp_path


def test_cli_load_check_search(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["directory", "load", str(SAMPLE / "hubs.csv"), str(SAMPLE / "courses.csv")]) == 0
    assert "Loaded 15 hubs and 14 courses" in capsys.readouterr().out
    assert main(["directory", "check"]) == 0
    assert "No problems found." in capsys.readouterr().out
    assert main(["directory", "search", "--postcode", "nr3 2rj", "--service", "device_bank"]) == 0
    out = capsys.readouterr().out
    assert "From NR3 (Norwich) (approximate)" in out and "Age UK Norwich" in out


def test_cli_bad_load_lists_problems_and_changes_nothing(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["directory", "load", str(SAMPLE / "hubs.csv")]) == 0
    bad = write_csv(cli_env / "bad.csv", [hub(id="a", services="x"), hub(id="b", postcode="zz")])
    capsys.readouterr()
    assert main(["directory", "load", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2: services: 'x' is not one of" in err
    assert f"{bad}:3: postcode: 'zz' is not a full UK postcode" in err
    assert "Traceback" not in err and "the directory was not changed" in err
    assert main(["directory", "search", "--postcode", "NR2 1AW", "--service", "wifi"]) == 0
    assert "Norwich Millennium Library" in capsys.readouterr().out


def test_cli_errors_are_messages(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["directory", "load", str(cli_env / "missing.csv")]) == 1
    assert "missing.csv:1: file: cannot be read" in capsys.readouterr().err
    binary = cli_env / "hubs.csv"
    binary.write_bytes(b"id,name\n\xff\xfe\n")
    assert main(["directory", "load", str(binary)]) == 1
    assert "is not UTF-8" in capsys.readouterr().err
    assert main(["directory", "search", "--postcode", "hello", "--service", "wifi"]) == 1
    assert "is not a known UK postcode" in capsys.readouterr().err


def test_cli_check_reports_problems(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["directory", "load", str(write_csv(cli_env / "h.csv", [hub(opening_hours="", phone="")]))])
    assert main(["directory", "check"]) == 1
    assert "unreachable: h1" in capsys.readouterr().out


def test_cli_load_oruk(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["directory", "load-oruk", str(Path(__file__).parent / "fixtures" / "oruk_v1_services.json")])
        == 0
    )
    assert "Loaded 2 hubs" in capsys.readouterr().out
