"""A fake postcodes.io on loopback (pytest-httpserver) that can hang for chosen postcodes.

Up, it places every postcode in Norwich city centre; down (``available=False``)
it answers 503 at once, so the bot falls back to its offline outcode table.
Either way a lookup of a postcode in ``hang`` waits until :attr:`release` is
set (or ``hang_for`` seconds), so a test can keep a message in flight.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Iterator

from werkzeug import Request, Response

from tests.support.loopback import LoopbackAPI

# Every postcode the fake knows is here: a spot in Norwich city centre.
NORWICH = (52.6290, 1.2920)
LOOKUP = re.compile(r"/(postcodes|outcodes)/([A-Za-z0-9 ]+)")


def _compact(code: str) -> str:
    return code.replace(" ", "").upper()


class FakePostcodesIo(LoopbackAPI):
    """Answers ``/postcodes/<code>`` and ``/outcodes/<code>``.

    Postcodes in ``hang`` wait up to ``hang_for`` seconds.
    """

    def __init__(self, hang: set[str] | None = None, hang_for: float = 30.0, available: bool = True) -> None:
        self.hang = {_compact(code) for code in hang or set()}
        self.hang_for = hang_for
        self.available = available
        self.release = threading.Event()
        self.arrived = threading.Event()  # a hanging lookup has reached the fake
        self.paths: list[str] = []
        super().__init__()

    def hold(self, postcode: str) -> None:
        """From now on, lookups of ``postcode`` (only) hang until :attr:`release` is set."""
        self.hang = {_compact(postcode)}
        self.arrived.clear()
        self.release.clear()

    def _answer(self, request: Request) -> Response:
        with self._lock:
            self.paths.append(request.path)
        lookup = LOOKUP.fullmatch(request.path.rstrip("/"))
        code = _compact(lookup.group(2)) if lookup else ""
        if code in self.hang:
            self.arrived.set()
            self.release.wait(self.hang_for)
        if lookup is None or not self.available:
            return Response(
                json.dumps({"status": 503, "error": "unavailable"}),
                status=503,
                content_type="application/json",
            )
        kind = lookup.group(1)
        outcode = code[:-3] if kind == "postcodes" else code
        body = {
            "status": 200,
            "result": {
                "postcode": f"{code[:-3]} {code[-3:]}" if kind == "postcodes" else None,
                "outcode": outcode,
                "latitude": NORWICH[0],
                "longitude": NORWICH[1],
                "admin_district": ["Norwich"],
            },
        }
        return Response(json.dumps(body), status=200, content_type="application/json")

    def start(self) -> FakePostcodesIo:
        self.server.start()
        return self

    def stop(self) -> None:
        self.release.set()  # let hanging handlers finish before the server goes
        self.server.clear()
        self.server.stop()


def running(
    hang: set[str] | None = None, hang_for: float = 30.0, available: bool = True
) -> Iterator[FakePostcodesIo]:
    """For fixtures: a started fake, stopped afterwards."""
    fake = FakePostcodesIo(hang, hang_for, available).start()
    try:
        yield fake
    finally:
        fake.stop()
