"""Run a coroutine to the end from a sync test, whatever else the session is doing.

Each call gets an event loop of its own, in a thread of its own: Playwright's
sync API (the browser tests) keeps an event loop running in the main thread,
where ``asyncio.run`` would refuse to start. No async pytest plugin needed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any, Coroutine, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
