"""Async client for Signpost's Rasa REST channel (/webhooks/rest/webhook).

One shared :class:`httpx.AsyncClient` keeps connections to Rasa open, so a
busy bot does not pay a TCP handshake per message. Every failure becomes
:class:`RasaUnavailable`, the one thing handlers need to catch.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Dict, List, Mapping, Optional

import httpx

logger = logging.getLogger(__name__)

RasaMessage = Dict[str, Any]
WEBHOOK_PATH = "/webhooks/rest/webhook"


class RasaUnavailable(Exception):
    """Rasa did not answer usefully: refused, timed out, 5xx, or not a list of messages."""


class RasaClient:
    """Sends one resident message to Rasa and returns the bot's replies."""

    def __init__(
        self,
        rasa_url: str,
        *,
        timeout: float = 30.0,
        connect_retries: int = 1,
        transport: Optional[httpx.AsyncBaseTransport] = None,
    ) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.timeout = timeout
        self.connect_retries = connect_retries
        self._client = httpx.AsyncClient(
            base_url=self.rasa_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
            transport=transport,
        )

    async def send(
        self, sender: str, text: str, metadata: Optional[Mapping[str, Any]] = None
    ) -> List[RasaMessage]:
        """POST one message. Retries only when the connection was refused.

        A refused connection means Rasa never saw the message, so trying again is
        safe; after a timeout or a 5xx Rasa may already have acted on it, so we
        give up rather than risk the resident getting two answers.
        """
        body = {"sender": sender, "message": text, "metadata": dict(metadata or {})}
        started = time.perf_counter()
        for attempt in range(self.connect_retries + 1):
            try:
                # httpx timeouts are per read; the overall deadline bounds a slow trickle too
                response = await asyncio.wait_for(self._client.post(WEBHOOK_PATH, json=body), self.timeout)
                break
            except asyncio.TimeoutError as exc:
                raise RasaUnavailable(f"Rasa did not answer within {self.timeout:g}s") from exc
            except httpx.ConnectError as exc:
                if attempt == self.connect_retries:
                    raise RasaUnavailable(f"cannot connect to Rasa: {type(exc).__name__}") from exc
                await asyncio.sleep(0.5 * (attempt + 1))
            except httpx.HTTPError as exc:  # timeouts, resets, protocol errors
                raise RasaUnavailable(f"Rasa request failed: {type(exc).__name__}") from exc
        elapsed = time.perf_counter() - started
        # The channel refuses (too many messages, too long) with a 4xx whose body is bot messages to show.
        if response.status_code != 200 and not 400 <= response.status_code < 500:
            raise RasaUnavailable(f"Rasa answered HTTP {response.status_code}")
        try:
            replies = response.json()
        except ValueError as exc:
            raise RasaUnavailable(f"Rasa answered HTTP {response.status_code}, not JSON") from exc
        if not isinstance(replies, list):
            raise RasaUnavailable(f"Rasa answered HTTP {response.status_code} with JSON that is not a list")
        if response.status_code != 200:
            logger.info("rasa refused the message: HTTP %d", response.status_code)
        logger.debug("rasa replies=%d seconds=%.3f", len(replies), elapsed)
        return [r for r in replies if isinstance(r, dict)]

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> "RasaClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
