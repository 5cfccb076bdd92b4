"""Every answer that names places ends with one referral code; a failed code never costs the answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from actions import context
from actions.find_help import ActionFindHelp
from bot.referrals import codes
from bot.referrals.store import referrals
from tests.actions.conftest import customs, domain_responses, hubs, rendered, run, texts, tracker

NR3 = [{"entity": "postcode", "value": "NR3 2AB"}]


def test_an_answer_naming_places_ends_with_a_code_for_all_of_them(ctx: context.Context) -> None:
    dispatcher, _ = run(ActionFindHelp(), tracker("NR3 2AB", "inform_location", NR3, {"need": "get_data"}))
    last = dispatcher.messages[-1]
    payload = last["custom"]
    assert payload == {"type": "referral", "code": payload["code"], "days": 30}
    assert codes.normalise(payload["code"]) == payload["code"]
    assert rendered(last) == (
        f"Your code is {payload['code']}. Show it at any of these places in the next 30 days. "
        "It helps them help you."
    )
    assert last["buttons"] and all(not m.get("buttons") for m in dispatcher.messages[:-1])
    assert len(customs(dispatcher, "referral")) == 1
    assert ctx.referrals is not None
    found = ctx.referrals.find(payload["code"])
    assert found is not None
    assert list(found.hub_ids) == [h["id"] for h in hubs(dispatcher)]
    assert (found.need, found.outcode, found.channel) == ("get_data", "NR3", "other")


def test_classes_get_a_code_for_the_places_they_are_at(ctx: context.Context) -> None:
    nr2 = [{"entity": "postcode", "value": "NR2 4EE"}]
    dispatcher, _ = run(ActionFindHelp(), tracker("NR2 4EE", "inform_location", nr2, {"need": "find_course"}))
    kinds = [(m.get("custom") or {}).get("type") for m in dispatcher.messages]
    assert kinds[-2:] == ["hubs", "referral"]  # the classes' places, then the code that ends the answer
    assert dispatcher.messages[-1]["buttons"]
    assert ctx.referrals is not None
    found = ctx.referrals.find(dispatcher.messages[-1]["custom"]["code"])
    assert found is not None and list(found.hub_ids) == [
        h["id"] for h in customs(dispatcher, "hubs")[-1]["hubs"]
    ]
    assert found.need == "find_course"


def test_the_code_is_good_for_referral_days(ctx: context.Context, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    monkeypatch.setattr(ctx, "settings", replace(ctx.settings, referral_days=1))
    dispatcher, _ = run(ActionFindHelp(), tracker("NR3 2AB", "inform_location", NR3, {"need": "get_data"}))
    assert "in the next 1 day." in texts(dispatcher)
    found = ctx.referrals.find(dispatcher.messages[-1]["custom"]["code"]) if ctx.referrals else None
    assert found is not None and (found.expires - found.day).days == 1


def test_a_failed_code_still_gives_the_answer(
    ctx: context.Context, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("database is down")

    assert ctx.referrals is not None
    monkeypatch.setattr(ctx.referrals, "issue", broken)
    dispatcher, _ = run(ActionFindHelp(), tracker("NR3 2AB", "inform_location", NR3, {"need": "get_data"}))
    assert hubs(dispatcher) and customs(dispatcher, "referral") == []
    assert "Sorry" not in texts(dispatcher)
    assert dispatcher.messages[-1]["buttons"]  # the answer still ends with "Talk to a person"
    assert "could not issue a referral code" in caplog.text  # logged for operators, not shown to the resident


def _issued(ctx: context.Context) -> int:
    assert ctx.referrals is not None
    ctx.referrals.ensure_schema()
    with ctx.search.engine.connect() as conn:
        return len(conn.execute(select(referrals.c.code)).all())


def test_an_answer_without_places_issues_no_code(ctx: context.Context) -> None:
    before = _issued(ctx)
    dispatcher, _ = run(ActionFindHelp(), tracker("i need a laptop", "get_device"))  # asks where first
    assert customs(dispatcher, "referral") == [] and _issued(ctx) == before


def test_a_live_model_older_than_the_code_still_gets_its_buttons(ctx: context.Context) -> None:
    """Rasa drops a message naming a response its model lacks, buttons and all: no code until retrained."""
    older = {k: v for k, v in domain_responses().items() if k != "utter_referral_code"}
    before = _issued(ctx)
    dispatcher, _ = run(
        ActionFindHelp(), tracker("NR3 2AB", "inform_location", NR3, {"need": "get_data"}), older
    )
    assert hubs(dispatcher) and customs(dispatcher, "referral") == [] and _issued(ctx) == before
    assert all(m.get("response") in older for m in dispatcher.messages if m.get("response"))
    assert dispatcher.messages[-1]["buttons"]
