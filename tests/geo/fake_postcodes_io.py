"""A fake postcodes.io on loopback (pytest-httpserver) that can hang for chosen postcodes."""

from __future__ import annotations

import json
import re
import threading
from typing import Iterator

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

# Every postcode the fake knows is here: a spot in Norwich city centre.
NORWICH = (52.6290, 1.2920)


class FakePostcodesIo:
    """Answers ``/postcodes/<code>`` and ``/outcodes/<code>``; postcodes in ``hang`` wait up to ``hang_for`` s."""

    def __init__(self, hang: set[str] | None = None, hang_for: float = 30.0) -> None:
        self.hang = {code.replace(" ", "").upper() for code in hang or set()}
        self.hang_for = hang_for
        self.release = threading.Event()
        self.arrived = threading.Event()  # a hanging lookup has reached the fake
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(re.compile(r"/(postcodes|outcodes)/[A-Za-z0-9 ]+")).respond_with_handler(self._answer)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def _answer(self, request: Request) -> Response:
        with self._lock:
            self.paths.append(request.path)
        kind, code = request.path.strip("/").split("/", 1)
        code = code.replace(" ", "").upper()
        if code in self.hang:
            self.arrived.set()
            self.release.wait(self.hang_for)
        outcode = code[:-3] if kind == "postcodes" else code
        body = {"status": 200, "result": {
            "postcode": f"{code[:-3]} {code[-3:]}" if kind == "postcodes" else None, "outcode": outcode,
            "latitude": NORWICH[0], "longitude": NORWICH[1], "admin_district": ["Norwich"],
        }}
        return Response(json.dumps(body), status=200, content_type="application/json")

    def start(self) -> FakePostcodesIo:
        self.server.start()
        return self

    def stop(self) -> None:
        self.release.set()  # let hanging handlers finish before the server goes
        self.server.clear()
        self.server.stop()


def running(hang: set[str] | None = None, hang_for: float = 30.0) -> Iterator[FakePostcodesIo]:
    """For fixtures: a started fake, stopped afterwards."""
    fake = FakePostcodesIo(hang, hang_for).start()
    try:
        yield fake
    finally:
        fake.stop()
