"""Item 8: what a resident wrote stays out of the logs, even when their browser hangs up mid-reply.

Rasa's own REST route logs ``rest.message.received.timeout text=<the message>``
when a client disconnects while the bot is still answering.
"""

from __future__ import annotations

import json
import socket
import uuid
from urllib.parse import urlsplit

import pytest

from bot.runner import Stack
from tests.channels.conftest import new_sender, say
from tests.support.fake_postcodes_io import FakePostcodesIo

pytestmark = pytest.mark.stack


def test_no_message_text_or_sender_in_the_logs_when_a_client_hangs_up(
    channel_stack: Stack, postcodes_io: FakePostcodesIo
) -> None:
    sender, marker = new_sender(), f"zq{uuid.uuid4().hex[:10]}"
    body = json.dumps({"sender": sender, "message": f"free sim card near NR1 3QW please {marker}"}).encode()
    parts = urlsplit(channel_stack.rasa_url)
    postcodes_io.hold("NR1 3QW")
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=30) as client:
            client.sendall(
                b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: rasa\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            assert postcodes_io.arrived.wait(60), (
                "the message never reached the lookup, so nothing was in flight"
            )
        # ...and the client has hung up while the bot was still answering.
    finally:
        postcodes_io.release.set()
    assert say(channel_stack, sender, "hello")  # answered after the hung-up turn: Rasa has dealt with it
    logs = {
        p.name: p.read_text(errors="replace")
        for p in (channel_stack.settings.var_dir / "logs").glob("*.log*")
    }
    assert "rasa.log" in logs
    assert [name for name, text in logs.items() if marker in text] == []
    assert [name for name, text in logs.items() if sender in text] == []
