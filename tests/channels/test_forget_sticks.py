"""Item 7: "End chat and clear" while a reply is still being worked out stays cleared.

Rasa loads a conversation when a message arrives and writes all of it back
when the reply is done. A forget that deleted the rows in between was undone
by that write. The fake postcodes.io holds the lookup, so the message is
surely in flight when the forget is sent.
"""

from __future__ import annotations

import concurrent.futures

import pytest
import requests

from bot.runner import Stack
from tests.channels.conftest import new_sender, say, stored_events
from tests.support.fake_postcodes_io import FakePostcodesIo

pytestmark = pytest.mark.stack


def test_forget_while_a_message_is_in_flight_leaves_nothing(
    channel_stack: Stack, postcodes_io: FakePostcodesIo
) -> None:
    sender = new_sender()
    assert (
        "postcode"
        in " ".join(r.get("text", "") for r in say(channel_stack, sender, "i cant afford a laptop")).lower()
    )
    assert stored_events(channel_stack, sender) > 0
    web = f"http://127.0.0.1:{channel_stack.web_port}"
    postcodes_io.hold("NR2 4EE")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        reply = pool.submit(say, channel_stack, sender, "NR2 4EE")
        assert postcodes_io.arrived.wait(60), "the lookup never reached the fake postcodes.io"
        # The resident presses "End chat and clear" in the widget while the bot is still looking.
        forgot = pool.submit(
            requests.post, f"{web}/api/forget", json={"sender": sender}, headers={"Origin": web}, timeout=90
        )
        try:
            forgot.result(timeout=3)  # a forget that does not wait for the reply returns at once
        except concurrent.futures.TimeoutError:
            pass  # it waits for the reply in flight: the fix
        postcodes_io.release.set()
        assert reply.result(timeout=90), "the resident still gets the reply in flight"
        response = forgot.result(timeout=90)
    assert response.status_code == 200, response.text
    assert response.json()["deleted"] > 0
    assert stored_events(channel_stack, sender) == 0, "the reply in flight wrote the conversation back"


def test_forget_route_needs_the_rasa_token(channel_stack: Stack) -> None:
    url = f"{channel_stack.rasa_url}/webhooks/rest/forget"
    sender = new_sender()
    say(channel_stack, sender, "hello")
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        refused = requests.post(url, json={"sender": sender}, headers=headers, timeout=10)
        assert refused.status_code == 401
    assert stored_events(channel_stack, sender) > 0
    done = requests.post(
        url, json={"sender": sender}, headers={"Authorization": f"Bearer {channel_stack.token}"}, timeout=10
    )
    assert done.status_code == 200 and done.json()["deleted"] > 0
    assert stored_events(channel_stack, sender) == 0
