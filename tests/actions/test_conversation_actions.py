"""Misunderstandings, a person, opening times and access needs."""

from __future__ import annotations

from actions.access_needs import ActionAccessNeeds
from actions.conversation import ActionHumanContact, ActionMisunderstood
from actions.opening_times import ActionOpeningTimes
from tests.actions.conftest import hubs, run, slot, texts, tracker


def _user(intent: str) -> dict:
    return {"event": "user", "parse_data": {"intent": {"name": intent}}}


def test_first_misunderstanding_offers_likely_needs(ctx) -> None:
    ranking = [{"name": "nlu_fallback"}, {"name": "get_device"}, {"name": "greet"}, {"name": "get_data"}]
    tr = tracker("lapptop??", "nlu_fallback", events=[_user("greet"), _user("nlu_fallback")], ranking=ranking)
    dispatcher, _ = run(ActionMisunderstood(), tr)
    buttons = dispatcher.messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == ["/get_device", "/get_data", "/talk_to_human"]
    assert ctx.settings.contact_phone not in texts(dispatcher)


def test_second_misunderstanding_in_a_row_offers_a_person(ctx) -> None:
    tr = tracker("blah", "nlu_fallback", events=[_user("nlu_fallback"), _user("nlu_fallback")])
    dispatcher, _ = run(ActionMisunderstood(), tr)
    assert ctx.settings.contact_phone in texts(dispatcher)
    assert "Monday to Friday, 9am to 5pm" in texts(dispatcher)  # CONTACT_HOURS, Mo-Fr 09:00-17:00


def test_understood_message_in_between_resets_the_count(ctx) -> None:
    tr = tracker(
        "blah", "nlu_fallback", events=[_user("nlu_fallback"), _user("greet"), _user("nlu_fallback")]
    )
    dispatcher, _ = run(ActionMisunderstood(), tr)
    assert ctx.settings.contact_phone not in texts(dispatcher)


def test_human_contact_adds_the_phone_of_a_shown_hub(ctx) -> None:
    hub = next(h for h in ctx.search.all_hubs() if h.phone)
    dispatcher, _ = run(
        ActionHumanContact(), tracker("a person please", "talk_to_human", slots={"shown_hubs": [hub.id]})
    )
    assert ctx.settings.contact_phone in texts(dispatcher)
    assert hub.phone in texts(dispatcher)


def test_opening_times_of_shown_hubs(ctx) -> None:
    shown = [h.id for h in ctx.search.all_hubs()[:2]]
    dispatcher, _ = run(
        ActionOpeningTimes(), tracker("when are they open", "opening_times", slots={"shown_hubs": shown})
    )
    for hub_id in shown:
        assert ctx.search.get_hub(hub_id).name in texts(dispatcher)


def test_opening_times_of_the_hub_named(ctx) -> None:
    first, second = ctx.search.all_hubs()[:2]
    word = next(w for w in first.name.split() if len(w) > 3 and w.lower() not in second.name.lower())
    dispatcher, _ = run(
        ActionOpeningTimes(),
        tracker(f"when does {word} open", "opening_times", slots={"shown_hubs": [first.id, second.id]}),
    )
    assert first.name in texts(dispatcher)
    assert second.name not in texts(dispatcher)


def test_opening_times_with_nothing_shown_asks_where(ctx) -> None:
    dispatcher, events = run(ActionOpeningTimes(), tracker("what time do you open", "opening_times"))
    assert "postcode" in texts(dispatcher)
    assert slot(events, "need") == "find_hub"


def test_access_need_is_remembered_and_search_rerun(ctx) -> None:
    slots = {"need": "find_hub", "location_lat": 52.63, "location_lon": 1.29, "location_label": "NR2 4EE"}
    dispatcher, events = run(ActionAccessNeeds(), tracker("i use a wheelchair", "access_needs", slots=slots))
    assert slot(events, "accessibility") == ["wheelchair"]
    assert "step-free" in texts(dispatcher)
    for hub in hubs(dispatcher):
        assert "wheelchair" in ctx.search.get_hub(hub["id"]).accessibility


def test_language_need(ctx) -> None:
    dispatcher, events = run(ActionAccessNeeds(), tracker("i speak polish", "access_needs"))
    assert slot(events, "languages") == ["pl"]
    assert "Polish" in texts(dispatcher)
