"""The impact tables and the published figures: what a row may hold, grouping, suppression, CSV, retention."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, MetaData, String, Table, inspect, select
from sqlalchemy.engine import Engine

from bot.impact import privacy, report
from bot.impact.store import Answer, ImpactStore, answers, misunderstood, this_hour
from tests.impact.conftest import NOW, seed


def test_privacy_keeps_only_whitelisted_values_and_outward_codes() -> None:
    assert privacy.channel_of({"channel": "web"}) == "web"
    assert privacy.channel_of({"channel": "telegram"}) == "telegram"
    for sent in ({"channel": "Web"}, {"channel": "<script>"}, {"channel": ["web"]}, {}, None, "web"):
        assert privacy.channel_of(sent) == "other"  # type: ignore[arg-type]
    assert privacy.outward_code("NR2 4EE") == "NR2"
    assert privacy.outward_code("nr24ee") == "NR2"
    assert privacy.outward_code("PE30") == "PE30"
    for bad in ("Mile Cross", "my name is Jo", "", None, "ZZ99 9ZZ"):
        assert privacy.outward_code(bad) == "unknown"
    assert privacy.need_name("get_device") == "get_device"
    assert privacy.need_name("talk_to_human") == "talk_to_human"
    assert privacy.need_name("I need help with my benefits") == "other"


def test_a_row_holds_the_hour_and_nothing_more_precise(engine: Engine) -> None:
    store = ImpactStore(engine)
    store.record(Answer("web", "get_device", "NR2 4EE", 2, 0.8349, hour=datetime(2025, 11, 20, 10, 59, 59)))
    with engine.connect() as conn:
        row = conn.execute(select(answers)).one()._asdict()
    assert row["hour"] == datetime(2025, 11, 20, 10, 0)
    assert row["outcode"] == "NR2"  # a full postcode passed by mistake is cut down
    assert (
        row["nearest_miles"] == 0.8 and row["hubs_within_3_miles"] == 2 and row["asked_for_person"] is False
    )
    assert set(row) == {
        "id",
        "hour",
        "channel",
        "need",
        "outcode",
        "hubs_within_3_miles",
        "nearest_miles",
        "asked_for_person",
        "language",
    }
    assert row["language"] == "en"  # no language given: the conversation was in English
    assert this_hour(datetime(2025, 6, 1, 12, 30).astimezone()).minute == 0


def test_figures_grouped_by_week_with_unmet_need(engine: Engine) -> None:
    store = ImpactStore(engine)
    seed(store)
    built = report.build(engine, min_count=5)
    assert [(f.week, f.channel, f.need, f.outcode, f.count, f.unmet) for f in built.figures] == [
        (date(2025, 11, 10), "telegram", "help_jobs", "PE30", 3, 3),
        (date(2025, 11, 17), "telegram", "talk_to_human", "NR2", 1, 0),
        (date(2025, 11, 17), "web", "get_data", "PE30", 6, 6),
        (date(2025, 11, 17), "web", "get_device", "NR2", 7, 0),
    ]
    assert built.by_week() == [("2025-11-10", 3), ("2025-11-17", 14)]
    assert built.by_channel() == [("web", 13), ("telegram", 4)]
    assert built.top_areas() == [("PE30", 9), ("NR2", 8)]
    assert built.unmet() == [("PE30", "get_data", 6), ("PE30", "help_jobs", 3)]
    assert built.misunderstood_by_week() == [("2025-11-17", 2)]
    assert built.total() == 17


def test_date_range_includes_both_days(engine: Engine) -> None:
    seed(ImpactStore(engine))
    assert report.build(engine, date(2025, 11, 19), date(2025, 11, 19)).total() == 6  # the get_data hour
    assert report.build(engine, date(2025, 11, 20), None).total() == 8
    assert report.build(engine, None, date(2025, 11, 13)).total() == 3
    assert report.build(engine, date(2026, 1, 1), None).figures == []


def test_small_numbers_are_suppressed_everywhere(engine: Engine) -> None:
    seed(ImpactStore(engine))
    built = report.build(engine, min_count=5)
    assert [built.shown(n) for n in (0, 1, 4, 5, 17)] == ["0", "<5", "<5", "5", "17"]
    text = report.to_text(built)
    assert "help_jobs" not in text and "Jobs and CVs  <5" in text  # 3 answers
    for line in report.to_csv(built).splitlines()[1:]:
        count, unmet = line.split(",")[4:6]
        assert count in ("<5",) or int(count) >= 5
        assert unmet in ("0", "<5") or int(unmet) >= 5
    assert report.build(engine, min_count=10).shown(7) == "<10"


def test_csv_is_valid_with_exact_columns(engine: Engine) -> None:
    seed(ImpactStore(engine))
    text = report.to_csv(report.build(engine))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["week", "channel", "need", "outcode", "count", "unmet", "language"]
    assert all(len(r) == 7 for r in rows)
    assert ["2025-11-17", "web", "get_device", "NR2", "7", "0", "en"] in rows
    assert ["2025-11-10", "telegram", "help_jobs", "PE30", "<5", "<5", "en"] in rows
    assert list(csv.DictReader(io.StringIO(text)))[0]["week"] == "2025-11-10"


def test_retention_purge_deletes_only_old_rows(engine: Engine) -> None:
    store = ImpactStore(engine)
    seed(store)
    store.record(Answer("web", "get_device", "NR2", 2, 0.8, hour=NOW - timedelta(days=31)))
    store.record_misunderstood("web", NOW - timedelta(days=40))
    assert store.purge_older_than(30, now=NOW) == 2
    assert report.build(engine).total() == 17
    assert store.purge_older_than(5, now=NOW) == 3  # the help_jobs week
    with engine.connect() as conn:
        assert conn.execute(select(misunderstood)).all() != []
    assert store.purge_older_than(0, now=NOW + timedelta(hours=1)) == 14 + 2


# What `python -m bot impact report --format csv` printed for seed() before the language column.
CSV_BEFORE_LANGUAGE = """week,channel,need,outcode,count,unmet
2025-11-10,telegram,help_jobs,PE30,<5,<5
2025-11-17,telegram,talk_to_human,NR2,<5,0
2025-11-17,web,get_data,PE30,6,6
2025-11-17,web,get_device,NR2,7,0
"""


def test_language_is_the_last_csv_column_and_the_first_six_are_as_before(engine: Engine) -> None:
    seed(ImpactStore(engine))
    rows = list(csv.reader(io.StringIO(report.to_csv(report.build(engine)))))
    assert [r[:6] for r in rows] == list(csv.reader(io.StringIO(CSV_BEFORE_LANGUAGE)))
    assert [r[6:] for r in rows] == [["language"]] + [["en"]] * 4
    # A reader that takes columns by position or by name still gets the same values.
    before = list(csv.DictReader(io.StringIO(CSV_BEFORE_LANGUAGE)))
    after = list(csv.DictReader(io.StringIO(report.to_csv(report.build(engine)))))
    assert [{k: r[k] for k in before[0]} for r in after] == before


def test_answers_in_another_language_are_counted_apart(engine: Engine) -> None:
    store = ImpactStore(engine)
    for language in ("pl", "pl", "ar", "en"):
        store.record(Answer("web", "get_device", "NR2", 2, 0.8, hour=NOW, language=language))
    store.record(Answer("web", "get_device", "NR2", 2, 0.8, hour=NOW, language="Polish <b>"))  # not a code
    built = report.build(engine, min_count=1)
    assert [(f.need, f.count, f.language) for f in built.figures] == [
        ("get_device", 1, "ar"),
        ("get_device", 2, "en"),
        ("get_device", 2, "pl"),
    ]
    assert built.by_language() == [("en", 2), ("pl", 2), ("ar", 1)]
    assert "Needs by language\n  English  2\n  Polish   2\n  Arabic   1" in report.to_text(built)
    assert privacy.language_code("cy") == "cy"
    for bad in ("fr", "PL", "", None, ["pl"]):
        assert privacy.language_code(bad) == "en"  # type: ignore[arg-type]


def test_an_older_table_gains_the_language_column_keeping_its_rows(engine: Engine) -> None:
    """A database made before the column: its rows stay, read as English; new rows carry their language."""
    old = MetaData()
    Table(
        "impact_answer",
        old,
        Column("id", Integer, primary_key=True),
        Column("hour", DateTime, nullable=False),
        Column("channel", String(10), nullable=False),
        Column("need", String(40), nullable=False),
        Column("outcode", String(8), nullable=False),
        Column("hubs_within_3_miles", Integer),
        Column("nearest_miles", Float),
        Column("asked_for_person", Boolean, nullable=False),
    ).create(engine)
    with engine.begin() as conn:
        conn.execute(
            old.tables["impact_answer"].insert(),
            [
                {
                    "hour": NOW.replace(minute=0),
                    "channel": "web",
                    "need": "get_device",
                    "outcode": "NR2",
                    "hubs_within_3_miles": 2,
                    "nearest_miles": 0.8,
                    "asked_for_person": False,
                }
            ]
            * 6,
        )
    assert "language" not in {c["name"] for c in inspect(engine).get_columns("impact_answer")}
    # The report alone (python -m bot impact report, the Impact page) brings the table up to date.
    assert report.to_csv(report.build(engine)).splitlines()[1] == "2025-11-17,web,get_device,NR2,6,0,en"
    ImpactStore(engine).record(Answer("web", "get_device", "NR2", 2, 0.8, hour=NOW, language="uk"))
    with engine.connect() as conn:
        rows = conn.execute(select(answers.c.language, answers.c.outcode)).all()
    assert sorted(rows) == [("en", "NR2")] * 6 + [("uk", "NR2")]
    store = ImpactStore(engine)  # a second process opening the upgraded table: nothing to do, no error
    store.ensure_schema()
    store.record(Answer("web", "get_device", "NR2", 2, 0.8, hour=NOW))
    assert report.build(engine).by_language() == [("en", 7), ("uk", 1)]
