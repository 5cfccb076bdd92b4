"""A fake HTTP API on a free loopback port (pytest-httpserver), for the fakes of outside services."""

from __future__ import annotations

import re
import threading

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


class LoopbackAPI:
    """Every request, whatever its path and method, goes to :meth:`_answer`, in the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # for what _answer records: requests arrive in several threads
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(re.compile(r"/.*")).respond_with_handler(self._answer)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def _answer(self, request: Request) -> Response:
        raise NotImplementedError
