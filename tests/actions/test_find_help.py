"""action_find_help with a tracker and a CollectingDispatcher (no Rasa server)."""

from __future__ import annotations

from actions.find_help import ActionFindHelp
from bot.geo.distance import haversine_miles
from tests.actions.conftest import hubs, run, slot, texts, tracker

NR3 = {"entity": "postcode", "value": "NR3 2AB"}


def test_asks_where_when_location_unknown(ctx) -> None:
    dispatcher, events = run(ActionFindHelp(), tracker("i need a laptop", "get_device"))
    assert "postcode" in texts(dispatcher)
    assert hubs(dispatcher) == []
    assert slot(events, "need") == "get_device"


def test_nearest_hubs_offer_the_service_and_are_in_distance_order(ctx) -> None:
    dispatcher, events = run(
        ActionFindHelp(), tracker("NR3 2AB", "inform_location", [NR3], {"need": "get_data"})
    )
    found = hubs(dispatcher)
    assert 1 <= len(found) <= 3
    assert [h["distance_miles"] for h in found] == sorted(h["distance_miles"] for h in found)
    for hub in found:
        services = set(ctx.search.get_hub(hub["id"]).services)
        assert services & {"free_sim", "wifi"}
    # the nearest of ALL hubs offering the service, computed independently
    point = ctx.locator.locate(postcode="NR3 2AB")
    candidates = [h for h in ctx.search.all_hubs() if set(h.services) & {"free_sim", "wifi"}]
    nearest = min(
        candidates, key=lambda h: haversine_miles(point.latitude, point.longitude, h.latitude, h.longitude)
    )
    assert found[0]["name"] == nearest.name
    assert slot(events, "location_outcode") == "NR3"
    assert slot(events, "shown_hubs") == [h["id"] for h in found]
    assert "Phone" in texts(dispatcher) or "Call" in texts(dispatcher)


def test_location_in_the_need_message_is_used(ctx) -> None:
    dispatcher, _ = run(ActionFindHelp(), tracker("free sim near NR3 2AB", "get_data", [NR3]))
    assert hubs(dispatcher)


def test_remembered_location_is_used(ctx) -> None:
    slots = {"location_lat": 52.64, "location_lon": 1.28, "location_label": "NR3 2AB"}
    dispatcher, _ = run(ActionFindHelp(), tracker("help with my uc journal", "help_benefits", slots=slots))
    assert hubs(dispatcher)


def test_unknown_postcode_is_refused_and_need_kept(ctx) -> None:
    pc = {"entity": "postcode", "value": "ZZ9 9ZZ"}
    dispatcher, events = run(
        ActionFindHelp(), tracker("ZZ9 9ZZ", "inform_location", [pc], {"need": "get_device"})
    )
    assert "could not find" in texts(dispatcher)
    assert slot(events, "need") == "get_device"
    assert slot(events, "location_lat") is None


def test_inform_location_without_a_location_is_refused(ctx) -> None:
    dispatcher, _ = run(
        ActionFindHelp(), tracker("its near the big tree", "inform_location", slots={"need": "find_hub"})
    )
    assert "did not understand" in texts(dispatcher)


def test_nothing_near_says_so_and_offers_the_nearest_and_a_phone(ctx) -> None:
    far = {"entity": "postcode", "value": "M1 1AE"}  # Manchester: no sample hub within 5 miles
    dispatcher, _ = run(ActionFindHelp(), tracker("M1 1AE", "inform_location", [far], {"need": "find_hub"}))
    text = texts(dispatcher)
    assert "no place" in text
    assert ctx.settings.contact_phone in text
    assert len(hubs(dispatcher)) == 1


def test_access_filter_keeps_only_places_that_meet_it(ctx) -> None:
    slots = {"need": "find_hub", "accessibility": ["hearing_loop"]}
    dispatcher, _ = run(ActionFindHelp(), tracker("NR3 2AB", "inform_location", [NR3], slots))
    found = hubs(dispatcher)
    assert found
    for hub in found:
        assert "hearing_loop" in ctx.search.get_hub(hub["id"]).accessibility


def test_courses_need_lists_courses(ctx) -> None:
    dispatcher, _ = run(
        ActionFindHelp(),
        tracker(
            "NR2 4EE",
            "inform_location",
            [{"entity": "postcode", "value": "NR2 4EE"}],
            {"need": "find_course"},
        ),
    )
    assert "online" in texts(dispatcher).lower()


def test_broken_directory_gives_an_apology_not_a_crash(ctx, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(ctx.search, "nearest_hubs", broken)
    dispatcher, events = run(
        ActionFindHelp(), tracker("NR3 2AB", "inform_location", [NR3], {"need": "find_hub"})
    )
    assert "Sorry, something went wrong" in texts(dispatcher)
    assert ctx.settings.contact_phone in texts(dispatcher)
    assert events == []


def test_shared_gps_location_finds_hubs_without_a_postcode(ctx) -> None:
    entities = [{"entity": "latitude", "value": 52.6490}, {"entity": "longitude", "value": 1.2858}]
    dispatcher, events = run(ActionFindHelp(), tracker("", "inform_location", entities, {"need": "get_data"}))
    assert hubs(dispatcher)
    assert slot(events, "location_outcode") == "NR3"


def test_beginners_asking_for_classes_get_beginner_courses(ctx) -> None:
    from bot.access import course_level_in

    assert course_level_in("any beginners computer classes") == "beginner"
    assert course_level_in("i know the basics and want to improve") == "improver"
    assert course_level_in("computer classes please") is None
    nr2 = [{"entity": "postcode", "value": "NR2 4EE"}]
    events = [{"event": "user", "text": "are there any beginners computer classes"}]
    dispatcher, _ = run(
        ActionFindHelp(), tracker("NR2 4EE", "inform_location", nr2, {"need": "find_course"}, events)
    )
    text = texts(dispatcher)
    assert "Getting started with computers" in text  # beginner, in person
    assert "Online forms and documents" not in text  # improver
    assert "Google Digital Garage" not in text  # improver, online
