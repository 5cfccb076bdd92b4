"""Rate limits for the public chat endpoint, per conversation and per client address.

Counters live in this process's memory (limits' MemoryStorage, fixed
windows that start at a key's first message and are dropped when they end),
which is right for one Rasa server. With several replicas, each counts its
own share; put a per-address limit in the proxy in front of them too.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Optional

from limits import RateLimitItem
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter
from sanic.request import Request


def client_address(request: Request) -> Optional[str]:
    """The resident's address, or None for a program on this machine (the Telegram bridge, `make chat`).

    Behind a proxy, Sanic reports the forwarded address once told to trust it
    (SANIC_PROXIES_COUNT, SANIC_REAL_IP_HEADER or SANIC_FORWARDED_SECRET);
    without that every proxied resident looks local and only the per-sender
    limit applies.
    """
    forwarded = request.remote_addr
    if forwarded:
        return forwarded
    try:
        if ipaddress.ip_address(request.ip).is_loopback:
            return None
    except ValueError:  # a UNIX socket or an unusual transport: count it as it is
        pass
    return request.ip or None


class ChatRateLimits:
    """``await limits.wait_for(kind, key)``: None when allowed, else seconds until the window ends."""

    def __init__(self, per_sender: Optional[RateLimitItem], per_address: Optional[RateLimitItem]) -> None:
        self.items = {"sender": per_sender, "address": per_address}
        self._storage: Optional[MemoryStorage] = None
        self._limiter: Optional[FixedWindowRateLimiter] = None

    def _strategy(self) -> FixedWindowRateLimiter:
        # Made on first use, inside the server's event loop (the storage schedules expiry tasks on it).
        if self._limiter is None:
            self._storage = MemoryStorage()
            self._limiter = FixedWindowRateLimiter(self._storage)
        return self._limiter

    async def wait_for(self, kind: str, key: str) -> Optional[int]:
        item = self.items[kind]
        if item is None:
            return None
        limiter = self._strategy()
        if await limiter.hit(item, kind, key):
            return None
        reset, _ = await limiter.get_window_stats(item, kind, key)
        return max(1, int(reset - time.time()))
