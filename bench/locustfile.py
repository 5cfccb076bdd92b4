"""One resident's conversation, for ``make bench-load`` (run by bench/load.py through Locust).

Each simulated resident sends the six turns below in order over the REST
channel, waiting for each answer before the next (as a person in the widget
does), then starts again as a new resident. Every turn is one request named
"turn" in Locust's statistics.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from locust import FastHttpUser, constant, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from turns import TURNS  # noqa: E402


class Resident(FastHttpUser):
    wait_time = constant(0)

    @task
    def conversation(self) -> None:
        sender = f"load-{uuid.uuid4().hex}"
        for text in TURNS:
            with self.client.post(
                "/webhooks/rest/webhook",
                json={"sender": sender, "message": text},
                name="turn",
                catch_response=True,
            ) as response:
                if response.status_code != 200 or not response.json():
                    response.failure(f"HTTP {response.status_code}, {len(response.content or b'')} bytes")
