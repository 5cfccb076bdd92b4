"""Impact rows from real conversations: real Rasa server, trained model, action server, each channel.

Rows carry no sender id, so each test reads the rows added after its own
conversation started (tests in a session run one at a time).
"""

from __future__ import annotations

import math
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests
from sqlalchemy import MetaData, func, select

from bot.directory import schema
from bot.directory.db import make_engine
from bot.geo.distance import haversine_miles
from bot.geo.locate import build_locator
from bot.impact.store import answers, misunderstood
from bot.needs import NEEDS
from bot.runner import Stack
from bot.telegram.rasa_client import RasaClient
from bot.telegram.settings import sender_id
from tests.support.event_loop import run
from tests.support.fake_bot_api import FakeBotAPI
from tests.support.telegram_bridge import SECRET_KEY, bridge, say, with_buttons
from tests.support.widget import INPUT, LOG, open_widget, saved, send

pytestmark = pytest.mark.stack

NEED = "i cant afford a laptop"
NEAR, FAR = "NR3 2AB", "PE30 1EX"  # a Norwich postcode with device banks nearby; King's Lynn, 40 miles away
SENDERS: List[str] = []  # every conversation id used here, for the privacy search


def last_id(stack: Stack) -> int:
    engine = make_engine(stack.settings.directory_url)
    answers.metadata.create_all(engine)
    with engine.connect() as conn:
        return conn.execute(select(func.coalesce(func.max(answers.c.id), 0))).scalar_one()


def rows_since(stack: Stack, after: int) -> List[Dict[str, Any]]:
    with make_engine(stack.settings.directory_url).connect() as conn:
        return [
            r._asdict()
            for r in conn.execute(select(answers).where(answers.c.id > after).order_by(answers.c.id))
        ]


def expected(stack: Stack, postcode: str, need: str) -> tuple:
    """(hubs within 3 miles, nearest miles), worked out from every loaded hub, not with the search code."""
    where = build_locator(stack.settings).locate(postcode=postcode)
    assert where is not None
    query = (
        select(schema.Location.id, schema.Location.latitude, schema.Location.longitude)
        .distinct()
        .join(schema.LocationService, schema.LocationService.location_id == schema.Location.id)
        .where(schema.LocationService.term_id.in_(NEEDS[need].services))
    )
    with make_engine(stack.settings.directory_url).connect() as conn:
        distances = [
            haversine_miles(where.latitude, where.longitude, lat, lon) for _, lat, lon in conn.execute(query)
        ]
    return sum(d <= 3 for d in distances), min(distances)


def post(stack: Stack, sender: str, text: str, metadata: Any) -> List[Dict[str, Any]]:
    response = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text, "metadata": metadata},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()


def check_answer(
    row: Dict[str, Any], stack: Stack, channel: str, postcode: str, need: str = "get_device"
) -> None:
    within, nearest = expected(stack, postcode, need)
    assert (row["channel"], row["need"], row["outcode"]) == (channel, need, postcode.split()[0])
    assert row["hubs_within_3_miles"] == within
    assert math.isclose(row["nearest_miles"], nearest, abs_tol=0.06)
    assert row["asked_for_person"] is False


def test_rest_posts_with_web_and_unknown_channels(stack: Stack) -> None:
    before = last_id(stack)
    sender = f"impact-{uuid.uuid4().hex}"
    SENDERS.append(sender)
    post(stack, sender, NEED, {"channel": "web"})
    assert rows_since(stack, before) == []  # asked for a location: no answer yet
    replies = post(stack, sender, NEAR, {"channel": "web"})
    assert any((r.get("custom") or {}).get("type") == "hubs" for r in replies)
    (row,) = rows_since(stack, before)
    check_answer(row, stack, "web", NEAR)
    assert row["hubs_within_3_miles"] > 0
    forged = f"impact-{uuid.uuid4().hex}"
    SENDERS.append(forged)
    post(stack, forged, NEED, {"channel": "<b>council</b>", "postcode": "NR3 2AB"})
    post(stack, forged, NEAR, "not a dict")
    assert [r["channel"] for r in rows_since(stack, before)] == ["web", "other"]


def test_the_widget_records_the_web_channel(stack: Stack, chromium_browser: Any) -> None:
    before = last_id(stack)
    context = chromium_browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"http://127.0.0.1:{stack.web_port}/")
        open_widget(page)
        send(page, NEED)
        send(page, NEAR)
        page.locator(f"{LOG} .card").first.wait_for()
        SENDERS.append(saved(page)["sender"])
        assert page.locator(INPUT).is_visible()
    finally:
        context.close()
    (row,) = rows_since(stack, before)
    check_answer(row, stack, "web", NEAR)


def test_telegram_unmet_need_and_asking_for_a_person(stack: Stack) -> None:
    chat = 7100999
    SENDERS.append(sender_id(SECRET_KEY, chat))
    before = last_id(stack)

    async def scenario() -> None:
        async with (
            FakeBotAPI() as fake,
            bridge(fake, stack.settings, RasaClient(stack.rasa_url, timeout=30), rasa_timeout=30),
        ):
            await say(fake, chat, NEED)
            calls = await say(fake, chat, FAR)
            assert "no place that can help" in " ".join(fake.texts(chat))
            answered = len(fake.texts(chat))
            fake.tap(with_buttons(calls), "Talk to a person")
            await fake.wait_for_calls(chat, answered + 1, "sendMessage", timeout=60)
            await fake.quiet(0.5)

    run(scenario())
    unmet, person = rows_since(stack, before)
    check_answer(unmet, stack, "telegram", FAR)
    assert unmet["hubs_within_3_miles"] == 0 and unmet["nearest_miles"] > 30  # an unmet need
    assert (person["channel"], person["need"], person["outcode"], person["asked_for_person"]) == (
        "telegram",
        "talk_to_human",
        "PE30",
        True,
    )
    assert person["hubs_within_3_miles"] is None and person["nearest_miles"] is None


def test_nothing_personal_anywhere_in_the_directory_database(stack: Stack) -> None:
    """Every column of every row of every table, and the file's raw bytes: no postcode, sender or message."""
    assert len(SENDERS) >= 3, "run with the conversation tests above"
    engine = make_engine(stack.settings.directory_url)
    tables = MetaData()
    tables.reflect(engine)
    assert {"impact_answer", "impact_misunderstood"} <= set(tables.tables)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(answers)).scalar_one() >= 4
        conn.execute(select(misunderstood)).all()
        dump = "\n".join(
            repr(tuple(row)) for table in tables.sorted_tables for row in conn.execute(table.select())
        )
    forbidden = [
        NEAR,
        NEAR.replace(" ", ""),
        FAR,
        FAR.replace(" ", ""),
        NEED,
        "afford",
        "<b>council",
        *SENDERS,
    ]
    for value in forbidden:
        assert value.lower() not in dump.lower(), value
    raw = Path(engine.url.database).read_bytes().lower()
    for value in forbidden:
        assert value.lower().encode() not in raw, value
