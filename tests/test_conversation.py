"""Whole conversations through the real Rasa server, model and action server."""

from __future__ import annotations

import pytest

from bot.settings import load
from tests.support.stack import Conversation

pytestmark = pytest.mark.stack

PHONE = load({}).contact_phone


def test_need_then_postcode_gives_nearest_hubs_in_distance_order(conversation: Conversation) -> None:
    first = conversation.say("i cant afford a laptop is there any help")
    assert "postcode" in Conversation.texts(first).lower()
    assert Conversation.hubs(first) == []

    replies = conversation.say("NR3 2AB")
    hubs = Conversation.hubs(replies)
    assert 1 <= len(hubs) <= 3
    distances = [h["distance_miles"] for h in hubs]
    assert distances == sorted(distances)
    text = Conversation.texts(replies)
    for hub in hubs:
        assert hub["name"] in text
        assert {"latitude", "longitude", "address", "phone", "url", "open_now", "next_open"} <= hub.keys()
    assert "miles" in text


def test_location_in_the_same_message_is_used_without_asking(conversation: Conversation) -> None:
    replies = conversation.say("free sim card near NR2 4EE please")
    assert Conversation.hubs(replies)
    assert "Where are you" not in Conversation.texts(replies)


def test_location_is_remembered_for_the_next_need(conversation: Conversation) -> None:
    conversation.say("where can i use a computer for free")
    assert Conversation.hubs(conversation.say("NR5 8AB"))
    replies = conversation.say("i need help with my universal credit journal")
    assert Conversation.hubs(replies)
    assert "Where are you" not in Conversation.texts(replies)


def test_invalid_postcode_is_refused_and_asked_again(conversation: Conversation) -> None:
    conversation.say("i need a free tablet")
    refused = Conversation.texts(conversation.say("my postcode is ZZ99 9ZZ"))
    assert "Sorry" in refused and "NR2 4EE" in refused
    assert Conversation.hubs(conversation.say("NR2 4EE"))


def test_place_name_works_instead_of_a_postcode(conversation: Conversation) -> None:
    conversation.say("is there anywhere near me with free wifi and computers")
    replies = conversation.say("i live in Mile Cross")
    assert Conversation.hubs(replies)
    assert "Mile Cross" in Conversation.texts(replies)


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("im in Aylsham", "Aylsham"),  # a town the outcode table does not name (GeoNames)
        ("I live in Wymondam", "Wymondham"),  # misspelt
        ("near great yarmuth please", "Great Yarmouth"),
    ],
)
def test_towns_and_misspelt_places_find_hubs(conversation: Conversation, message: str, named: str) -> None:
    conversation.say("i need a free laptop")
    replies = conversation.say(message)
    assert Conversation.hubs(replies), Conversation.texts(replies)
    assert named in Conversation.texts(replies)


def test_a_place_we_do_not_know_is_named_back_and_a_postcode_asked_for(conversation: Conversation) -> None:
    """Not "I can't help with that": the resident is told which word was not found."""
    conversation.say("where can i get help with my computer")
    refused = Conversation.texts(conversation.say("I live in Scoultonby"))
    assert "Scoultonby" in refused and "NR2 4EE" in refused
    assert Conversation.hubs(conversation.say("NR2 4EE"))


def test_bot_says_it_is_automated(conversation: Conversation) -> None:
    assert "automated assistant" in Conversation.texts(conversation.say("am i talking to a robot"))


def test_two_misunderstandings_in_a_row_offer_a_person(conversation: Conversation) -> None:
    first = conversation.say("/nlu_fallback")
    assert any(r.get("buttons") for r in first)
    second = Conversation.texts(conversation.say("/nlu_fallback"))
    assert PHONE in second


def test_asking_for_a_person_gives_the_phone_number(conversation: Conversation) -> None:
    assert PHONE in Conversation.texts(conversation.say("can i talk to a real person please"))


def test_very_long_message_gets_a_clear_answer(conversation: Conversation) -> None:
    replies = conversation.say("help " * 2000)
    assert "very long" in Conversation.texts(replies)


def test_html_in_a_message_is_just_text(conversation: Conversation) -> None:
    replies = conversation.say("<img src=x onerror=alert(1)> i need a laptop")
    assert Conversation.texts(replies)


def test_weather_is_not_signposted(conversation: Conversation) -> None:
    replies = conversation.say("whats the weather going to be like this weekend")
    assert Conversation.hubs(replies) == []
    assert "Where are you" not in Conversation.texts(replies)


def test_start_again_forgets_the_location(conversation: Conversation) -> None:
    conversation.say("NR2 4EE")
    conversation.say("start again")
    replies = conversation.say("i need a free laptop")
    assert Conversation.hubs(replies) == []
    assert "postcode" in Conversation.texts(replies)


def test_dead_action_server_gets_an_apology_with_a_phone_number(stack, conversation: Conversation) -> None:
    stack.actions.stop()
    try:
        text = Conversation.texts(conversation.say("i need a laptop"))
        assert "Sorry" in text and PHONE in text
    finally:
        stack.actions.start()
        stack.wait_healthy(60, [stack.actions])


def test_restarted_server_continues_the_conversation(stack, conversation: Conversation) -> None:
    conversation.say("i need help getting online")
    conversation.say("NR2 4EE")
    stack.rasa.stop()
    stack.rasa.start()
    stack.wait_healthy(180, [stack.rasa])
    replies = conversation.say("can i get a free sim card")
    assert Conversation.hubs(replies), "the location should survive a restart"
