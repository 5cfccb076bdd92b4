"""The referral tables on SQLite and PostgreSQL: issue, find, mark, re-mark, refusals, retention."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import cycle
from typing import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.referrals import codes, store
from bot.referrals.store import (
    ExpiredCode,
    PlaceNotInAnswer,
    ReferralError,
    ReferralStore,
    UnknownCode,
    UnknownOutcome,
)
from tests.referrals.conftest import ISSUED


def test_a_referral_holds_the_day_need_area_channel_and_places_only(engine: Engine) -> None:
    referrals = ReferralStore(engine)
    code = referrals.issue("get_device", "NR2 4EE", ["hub-b", "hub-a", "hub-b"], "web", 30, today=ISSUED)
    assert codes.normalise(code) == code
    found = referrals.find(code.lower().replace("-", " "))
    assert found is not None
    assert (found.code, found.day, found.need, found.outcode, found.channel) == (
        code,
        ISSUED,
        "get_device",
        "NR2",  # a full postcode passed by mistake is cut down
        "web",
    )
    assert found.hub_ids == ("hub-b", "hub-a")  # the answer's order, each place once
    assert found.expires == ISSUED + timedelta(days=30) and found.arrivals == {}
    with engine.connect() as conn:
        row = conn.execute(select(store.referrals)).mappings().one()
    assert set(row) == {"code", "day", "need", "outcode", "channel", "expires"}


def test_values_from_outside_the_lists_are_not_stored(engine: Engine) -> None:
    referrals = ReferralStore(engine)
    code = referrals.issue("my name is Jo", "Mile Cross", ["hub-a"], "<script>", 30)
    found = referrals.find(code)
    assert found is not None and (found.need, found.outcode, found.channel) == ("other", "unknown", "other")
    with pytest.raises(ValueError):
        referrals.issue("get_device", "NR2", [], "web", 30)


def test_unknown_and_malformed_codes_are_not_found(engine: Engine) -> None:
    referrals = ReferralStore(engine)
    referrals.issue("get_device", "NR2", ["hub-a"], "web", 30)
    assert referrals.find("ACD-EFH") is None
    assert referrals.find("not a code") is None


def test_a_clash_draws_another_code(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: Iterator[str] = cycle(["AAA-AAA", "AAA-AAA", "CCC-CCC"])
    monkeypatch.setattr(codes, "new_code", lambda: next(drawn))
    referrals = ReferralStore(engine)
    assert referrals.issue("get_device", "NR2", ["hub-a"], "web", 30) == "AAA-AAA"
    assert referrals.issue("get_data", "NR3", ["hub-b"], "telegram", 30) == "CCC-CCC"
    second = referrals.find("CCC-CCC")
    assert second is not None and second.hub_ids == ("hub-b",) and second.need == "get_data"


def test_marking_and_marking_again(engine: Engine) -> None:
    referrals = ReferralStore(engine)
    code = referrals.issue("get_device", "NR2", ["hub-a", "hub-b"], "web", 30, today=ISSUED)
    assert referrals.mark(code, "hub-a", "device_lent", by="jo", today=ISSUED) is None
    assert referrals.mark(code.lower(), "hub-a", "device_given", today=ISSUED + timedelta(days=2)) == (
        "device_lent"
    )
    assert referrals.mark(code, "hub-b", "not_helped", by="sam", today=ISSUED) is None
    found = referrals.find(code)
    assert found is not None and found.arrivals == {"hub-a": "device_given", "hub-b": "not_helped"}
    with engine.connect() as conn:
        rows = {r["hub_id"]: r for r in conn.execute(select(store.arrivals)).mappings()}
    assert rows["hub-a"]["day"] == ISSUED + timedelta(days=2) and rows["hub-a"]["by"] is None
    assert rows["hub-b"]["by"] == "sam"


def test_marks_that_cannot_be_recorded_say_why_in_plain_words(engine: Engine) -> None:
    referrals = ReferralStore(engine)
    code = referrals.issue("get_device", "NR2", ["hub-a"], "web", 30, today=ISSUED)
    refusals = [
        (UnknownCode, lambda: referrals.mark("ACD-EFH", "hub-a", "other"), "no referral code ACD-EFH"),
        (
            ExpiredCode,
            lambda: referrals.mark(code, "hub-a", "other", today=ISSUED + timedelta(days=31)),
            "ran out on 20 December 2025",
        ),
        (PlaceNotInAnswer, lambda: referrals.mark(code, "hub-z", "other", today=ISSUED), "(hub-z)"),
        (UnknownOutcome, lambda: referrals.mark(code, "hub-a", "cured", today=ISSUED), "free_sim_given"),
    ]
    for kind, attempt, words in refusals:
        with pytest.raises(kind) as raised:
            attempt()
        assert isinstance(raised.value, ReferralError) and words in str(raised.value)
    # the last good day is still good
    assert referrals.mark(code, "hub-a", "other", today=ISSUED + timedelta(days=30)) is None
    found = referrals.find(code, today=ISSUED + timedelta(days=31))
    assert found is not None and found.expired() and not found.expired(ISSUED)


def test_retention_deletes_old_referrals_with_their_places_and_arrivals(engine: Engine) -> None:
    referrals = ReferralStore(engine)
    old = referrals.issue("get_device", "NR2", ["hub-a"], "web", 30, today=date(2023, 1, 2))
    referrals.mark(old, "hub-a", "other", today=date(2023, 1, 3))
    kept = referrals.issue("get_device", "NR2", ["hub-a"], "web", 30, today=ISSUED)
    assert referrals.purge_older_than(730, now=datetime(2025, 11, 21, 9)) == 1
    assert referrals.find(old) is None and referrals.find(kept) is not None
    with engine.connect() as conn:
        assert conn.execute(select(store.places.c.code)).scalars().all() == [kept]
        assert conn.execute(select(store.arrivals.c.code)).scalars().all() == []
