"""The actions' impact hooks without a Rasa server.

Misunderstood counts, the person flag, and failures swallowed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from sqlalchemy import select

from actions import context
from actions.conversation import ActionHumanContact, ActionMisunderstood
from actions.find_help import ActionFindHelp
from bot.directory.csv_loader import load_csv_directory
from bot.directory.db import make_engine
from bot.geo.geocoder import Geocoder
from bot.impact.store import answers, misunderstood
from bot.settings import PROJECT_ROOT, load
from tests.actions.conftest import rendered, run, tracker

SAMPLE = PROJECT_ROOT / "data" / "directory"


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[context.Context]:
    env = {
        "DIRECTORY_URL": f"sqlite:///{tmp_path / 'directory.db'}",
        "GEOCODER": "offline",
        "SIGNPOST_VAR_DIR": str(tmp_path),
    }
    settings = load(env)
    load_csv_directory(
        make_engine(settings.directory_url),
        SAMPLE / "hubs.csv",
        SAMPLE / "courses.csv",
        Geocoder.from_settings(settings),
    )
    built = context.build(settings)
    context.use(built)
    yield built
    context.use(None)


def rows(ctx: context.Context, table: Any = answers) -> List[Dict[str, Any]]:
    with ctx.search.engine.connect() as conn:
        return [r._asdict() for r in conn.execute(select(table))]


def test_misunderstood_is_counted_without_the_message(ctx: context.Context) -> None:
    run(ActionMisunderstood(), tracker("blorp zzq NR2 4EE", "nlu_fallback", metadata={"channel": "telegram"}))
    (row,) = rows(ctx, misunderstood)
    assert set(row) == {"id", "hour", "channel"} and row["channel"] == "telegram"
    assert rows(ctx) == []


def test_answer_remembers_an_earlier_request_for_a_person(ctx: context.Context) -> None:
    earlier = [
        {
            "event": "user",
            "text": "can i speak to someone",
            "parse_data": {"intent": {"name": "talk_to_human"}},
        }
    ]
    postcode = [{"entity": "postcode", "value": "NR2 4EE", "start": 0, "end": 7}]
    run(
        ActionFindHelp(),
        tracker(
            "NR2 4EE",
            "inform_location",
            postcode,
            slots={"need": "get_device"},
            events=earlier,
            metadata={"channel": "web"},
        ),
    )
    run(
        ActionHumanContact(),
        tracker(
            "a person please",
            "talk_to_human",
            slots={"location_lat": 52.63, "location_lon": 1.28, "location_outcode": "NR2"},
        ),
    )
    answer, person = rows(ctx)
    assert (answer["channel"], answer["need"], answer["outcode"], answer["asked_for_person"]) == (
        "web",
        "get_device",
        "NR2",
        True,
    )
    assert (person["channel"], person["need"], person["outcode"], person["asked_for_person"]) == (
        "other",
        "talk_to_human",
        "NR2",
        True,
    )


def test_a_broken_impact_table_never_costs_the_resident_an_answer(ctx: context.Context) -> None:
    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("database gone")

    context.use(context.Context(ctx.settings, ctx.locator, ctx.search, impact=Broken()))  # type: ignore[arg-type]
    postcode = [{"entity": "postcode", "value": "NR2 4EE", "start": 0, "end": 7}]
    dispatcher, _ = run(
        ActionFindHelp(),
        tracker(
            "NR2 4EE", "inform_location", postcode, slots={"need": "get_device"}, metadata={"channel": "web"}
        ),
    )
    assert any((m.get("custom") or {}).get("type") == "hubs" for m in dispatcher.messages)
    assert "0344 980 3333" in rendered(
        run(ActionHumanContact(), tracker("person", "talk_to_human"))[0].messages[0]
    )


def test_answer_and_person_rows_carry_the_conversations_language(ctx: context.Context) -> None:
    postcode = [{"entity": "postcode", "value": "NR2 4EE", "start": 0, "end": 7}]
    run(
        ActionFindHelp(),
        tracker("NR2 4EE", "inform_location", postcode, slots={"need": "get_device", "language": "pl"}),
    )
    run(ActionHumanContact(), tracker("osoba", "talk_to_human", slots={"language": "ar"}))
    run(ActionHumanContact(), tracker("a person", "talk_to_human"))  # no language yet: English
    run(ActionHumanContact(), tracker("x", "talk_to_human", slots={"language": "NR2 4EE"}))  # not a code
    assert [(r["need"], r["language"]) for r in rows(ctx)] == [
        ("get_device", "pl"),
        ("talk_to_human", "ar"),
        ("talk_to_human", "en"),
        ("talk_to_human", "en"),
    ]


def test_the_language_is_the_one_answered_in(ctx: context.Context) -> None:
    """Before a message carries a language, the channel's hint (the widget's picker) is the conversation's;
    a language that is not switched on (LANGUAGES) is answered, and counted, in English."""
    run(ActionHumanContact(), tracker("/talk_to_human", "talk_to_human", metadata={"language": "pl"}))
    run(
        ActionHumanContact(),
        tracker("ok", "talk_to_human", slots={"language": "cy"}, metadata={"language": "pl"}),
    )
    context.use(
        context.Context(replace(ctx.settings, languages=("en", "pl")), ctx.locator, ctx.search, ctx.impact)
    )
    run(ActionHumanContact(), tracker("ok", "talk_to_human", slots={"language": "cy"}))
    assert [r["language"] for r in rows(ctx)] == ["pl", "cy", "en"]
