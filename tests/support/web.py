"""The web app in a thread for tests, and a scripted Rasa for the widget's browser tests."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from aiohttp import web

from bot.runner import free_port
from bot.web.app import create_app
from bot.web.settings import WebSettings, load

# A Rasa URL nothing listens on; tests answer it with page.route().
FAKE_RASA = "http://127.0.0.1:9"


class WebServer:
    """The web app (``create_app``) on a free port, in a thread with its own event loop."""

    def __init__(self, settings: WebSettings, staff: Any = None) -> None:
        self.settings = settings
        self.staff = staff  # StaffSettings, or None: the console reads the environment
        self.url = f"http://127.0.0.1:{settings.port}"
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: Optional[web.AppRunner] = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(create_app(self.settings, self.staff))
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.settings.port).start())
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> "WebServer":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("web server did not start")
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def web_settings(rasa_url: str, tracker_db: Path, port: Optional[int] = None) -> WebSettings:
    port = port or free_port()
    return replace(
        load({"TRACKER_DB": str(tracker_db)}),
        host="127.0.0.1",
        port=port,
        allowed_origins=(f"http://127.0.0.1:{port}", f"http://localhost:{port}"),
        widget_rasa_url=rasa_url,
        rasa_url=FAKE_RASA,  # nothing listens: a forget deletes directly, as when Rasa is stopped
    )


Replies = List[Dict[str, Any]]


class FakeRasa:
    """Answers the widget's webhook calls from a script; records what reached 'Rasa'."""

    def __init__(self, answer: Callable[[str], Any]) -> None:
        self.answer = answer
        self.received: List[str] = []
        self.metadata: List[Any] = []  # each received message's metadata (channel, language hint)
        self.attempts = 0

    def handle(self, route: Any) -> None:
        request = route.request
        headers = {
            "Access-Control-Allow-Origin": request.headers.get("origin", "*"),
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Allow-Methods": "POST, OPTIONS",
        }
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers=headers)
            return
        self.attempts += 1
        message = request.post_data_json["message"]
        result = self.answer(message)
        if result == "refuse":
            route.abort("connectionrefused")
            return
        self.received.append(message)
        self.metadata.append(request.post_data_json.get("metadata"))
        if isinstance(result, int):
            route.fulfill(status=result, headers=headers, body="error")
        elif isinstance(result, tuple):  # (status, JSON body): the channel's refusals
            route.fulfill(status=result[0], headers=headers, json=result[1])
        else:
            route.fulfill(status=200, headers=headers, json=result)

    def serve(self, page: Any) -> "FakeRasa":
        """Answer ``page``'s webhook calls (Playwright's routing); returns itself for fixtures."""
        page.route(f"{FAKE_RASA}/webhooks/rest/webhook", self.handle)
        return self
