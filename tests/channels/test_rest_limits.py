"""Item 8: the public chat endpoint's limits, through the real Rasa server.

Body size (a clear 413, not 100 MB read first), a missing sender (no shared
"default" conversation), a message that is not text, rate limits per
conversation and per address.
"""

from __future__ import annotations

import http.client
import json
import uuid
from typing import Any, Dict
from urllib.parse import urlsplit

import pytest
import requests

from bot.channels.refusals import NOT_TEXT, TOO_LONG, TOO_MANY
from bot.runner import Stack
from tests.channels.conftest import PER_ADDRESS, PER_SENDER, new_sender, post, say, stored_events

pytestmark = pytest.mark.stack


def refusal(response: requests.Response, status: int, error: str) -> Dict[str, Any]:
    assert response.status_code == status, response.text
    (message,) = response.json()  # shaped like an answer, so chat clients can show it
    assert message["error"].startswith(error) and message["text"]
    return message


def partial_upload(url: str, path: str, declared: int, sent: int) -> http.client.HTTPResponse:
    """Declare a big body, send only its start, then read the answer: a server reading it all would hang."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(declared))
    connection.endheaders()
    connection.send(b'{"sender": "big", "message": "' + b"x" * sent)
    return connection.getresponse()


def test_a_5_mb_body_gets_a_clear_413_without_being_read(channel_stack: Stack) -> None:
    answer = partial_upload(channel_stack.rasa_url, "/webhooks/rest/webhook", 5_000_000, 64 * 1024)
    assert answer.status == 413
    (message,) = json.loads(answer.read())
    assert message["text"] == TOO_LONG and message["error"] == "too_large"


def test_a_40_kb_body_is_refused_kindly_and_the_connection_can_read_it(channel_stack: Stack) -> None:
    response = post(channel_stack, {"sender": new_sender(), "message": "help " * 8000})
    assert refusal(response, 413, "too_large")["text"] == TOO_LONG


def test_10000_characters_still_get_the_short_message_request(channel_stack: Stack) -> None:
    response = post(channel_stack, {"sender": new_sender(), "message": "help " * 2000})
    assert response.status_code == 200 and "very long" in response.json()[0]["text"]


def test_sanic_request_max_size_limits_rasas_other_routes(channel_stack: Stack) -> None:
    """SANIC_REQUEST_MAX_SIZE (set for this stack) is what keeps 100 MB off Rasa's HTTP API."""
    answer = partial_upload(
        channel_stack.rasa_url, f"/model/parse?token={channel_stack.token}", 5_000_000, 64 * 1024
    )
    assert answer.status == 413


@pytest.mark.parametrize(
    "body",
    [
        {"message": "hello"},
        {"sender": "", "message": "hello"},
        {"sender": "   ", "message": "hello"},
        {"sender": 42, "message": "hello"},
        {"sender": "x" * 129, "message": "hello"},
    ],
)
def test_a_missing_sender_is_refused_not_shared(channel_stack: Stack, body: Dict[str, Any]) -> None:
    refusal(post(channel_stack, body), 400, "sender_missing")
    assert stored_events(channel_stack, "default") == 0


@pytest.mark.parametrize("message", [42, None, ["hello"], {"text": "hello"}, True])
def test_a_message_that_is_not_text_gets_a_polite_answer(channel_stack: Stack, message: Any) -> None:
    sender = new_sender()
    answer = refusal(post(channel_stack, {"sender": sender, "message": message}), 400, "message_not_text")
    assert answer["text"] == NOT_TEXT and answer["recipient_id"] == sender


def test_a_body_that_is_not_json_is_refused(channel_stack: Stack) -> None:
    response = requests.post(
        f"{channel_stack.rasa_url}/webhooks/rest/webhook",
        data=b"sender=x&message=hi",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    refusal(response, 400, "invalid_json")


def test_too_many_messages_from_one_conversation(channel_stack: Stack) -> None:
    sender = new_sender()
    for _ in range(PER_SENDER):
        assert post(channel_stack, {"sender": sender, "message": "/greet"}).status_code == 200
    refused = post(channel_stack, {"sender": sender, "message": "/greet"})
    assert refusal(refused, 429, "too_many_messages")["text"] == TOO_MANY
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert say(channel_stack, new_sender(), "/greet"), "other residents are still answered"


def test_too_many_messages_from_one_address(channel_stack: Stack) -> None:
    crowd = {"X-Forwarded-For": f"203.0.113.{uuid.uuid4().int % 250 + 1}"}
    for _ in range(PER_ADDRESS):
        assert post(channel_stack, {"sender": new_sender(), "message": "/greet"}, crowd).status_code == 200
    refusal(
        post(channel_stack, {"sender": new_sender(), "message": "/greet"}, crowd), 429, "too_many_messages"
    )
    other = {"X-Forwarded-For": "198.51.100.7"}
    assert post(channel_stack, {"sender": new_sender(), "message": "/greet"}, other).status_code == 200
    # Programs on this machine (the Telegram bridge, `make chat`) are not one resident.
    for _ in range(PER_ADDRESS + 1):
        assert post(channel_stack, {"sender": new_sender(), "message": "/greet"}).status_code == 200
