"""Telegram bridge benchmark: the bridge against the REST channel it wraps, same Rasa, same run.

50 residents (chats) at once each send the same short conversation:

  1. straight to Rasa's REST channel (50 concurrent HTTP clients), the baseline;
  2. through the Telegram bridge: the real python-telegram-bot Application polling a
     fake Bot API server on loopback, rate limiter off (the bridge's own overhead);
  3. the same with the production rate limiter (30 messages/s over all chats, as
     Telegram asks), which is what residents would really see at this load.

Latency of one message = from the request (REST) or from queuing the update on the
fake Bot API (bridge) until the last reply for it has been received. The bridge
numbers include getUpdates long polling, the "typing" action and every
sendMessage/sendVenue call.

    make bench-telegram                          # starts its own Rasa + action server (~2-3 minutes)
    BENCH_RASA_URL=http://127.0.0.1:5005 ...     # reuse a running `make run` instead
    BENCH_CHATS=50 BENCH_MESSAGES=4 BENCH_RATE_LIMITED=1   # knobs (defaults shown; 0 skips pass 3)
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

import httpx  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import ContextTypes, TypeHandler  # noqa: E402

from bot.runner import Stack, free_port  # noqa: E402
from bot.settings import Settings, load  # noqa: E402
from bot.telegram.app import build_application, running  # noqa: E402
from bot.telegram.rasa_client import RasaClient  # noqa: E402
from bot.telegram.settings import TelegramSettings  # noqa: E402
from tests.conftest import load_sample_directory, stack_env  # noqa: E402
from tests.telegram.fake_bot_api import FakeBotAPI  # noqa: E402

CONVERSATION = ["i cant afford a laptop", "NR3 2AB", "i need a free sim near NR2 4EE", "thank you"]
CHATS = int(os.environ.get("BENCH_CHATS", "50"))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", str(len(CONVERSATION))))
RATE_LIMITED = os.environ.get("BENCH_RATE_LIMITED", "1") == "1"
PER_MESSAGE_TIMEOUT = 120


@dataclass
class Result:
    name: str
    latencies: List[float]
    wall: float
    failures: int = 0
    api_calls: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    def row(self) -> str:
        calls = f"{self.api_calls / len(self.latencies):.1f}" if self.api_calls else "-"
        return (f"{self.name:<26}{len(self.latencies):>6}{self.wall:>9.1f}{self.rate:>9.1f}"
                f"{self.pct(50):>9.0f}{self.pct(95):>9.0f}{self.failures:>6}{calls:>9}")


def texts() -> List[str]:
    return [CONVERSATION[i % len(CONVERSATION)] for i in range(MESSAGES)]


async def direct(rasa_url: str) -> Result:
    """Baseline: 50 clients POST the conversation to the REST channel."""
    latencies: List[float] = []
    failures = 0

    async def resident(client: httpx.AsyncClient) -> None:
        nonlocal failures
        sender = f"bench-{uuid.uuid4().hex}"
        for message in texts():
            started = time.perf_counter()
            response = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message})
            latencies.append(time.perf_counter() - started)
            failures += response.status_code != 200

    limits = httpx.Limits(max_connections=CHATS)
    async with httpx.AsyncClient(base_url=rasa_url, timeout=PER_MESSAGE_TIMEOUT, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(resident(client) for _ in range(CHATS)))
        return Result("REST channel (direct)", latencies, time.perf_counter() - started, failures)


async def through_bridge(settings: Settings, rasa_url: str, name: str, rate_limit: float) -> Result:
    """50 chats through the real Application; an extra handler in group 1 marks each update done."""
    done: Dict[int, asyncio.Future] = {}

    async def finished(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        future = done.get(update.update_id)
        if future and not future.done():
            future.set_result(time.perf_counter())

    latencies: List[float] = []
    failures = 0
    async with FakeBotAPI() as fake:
        telegram = TelegramSettings(token="1:bench", api_base_url=fake.base_url, rate_limit=rate_limit, rasa_timeout=60)
        application = build_application(
            settings, telegram, RasaClient(rasa_url, timeout=60), secret_key=uuid.uuid4().bytes, forget=lambda s: 0,
        )
        application.add_handler(TypeHandler(Update, finished), group=1)
        async with running(application, telegram):
            await asyncio.sleep(0.2)
            calls_before = len(fake.calls)
            loop = asyncio.get_running_loop()

            async def resident(chat_id: int) -> None:
                nonlocal failures
                for message in texts():
                    started = time.perf_counter()
                    update_id = fake.push({"message": fake.message(chat_id, message)})["update_id"]
                    done[update_id] = loop.create_future()
                    try:
                        ended = await asyncio.wait_for(done[update_id], PER_MESSAGE_TIMEOUT)
                    except asyncio.TimeoutError:
                        failures += 1
                        continue
                    latencies.append(ended - started)

            started = time.perf_counter()
            await asyncio.gather(*(resident(9_000_000 + i) for i in range(CHATS)))
            wall = time.perf_counter() - started
            api_calls = len(fake.calls) - calls_before
            apologies = sum("try again in a minute" in c.params.get("text", "") for c in fake.calls)
    return Result(name, latencies, wall, failures + apologies, api_calls)


def start_stack() -> tuple[Optional[Stack], str, Settings, Optional[tempfile.TemporaryDirectory]]:
    if os.environ.get("BENCH_RASA_URL"):
        return None, os.environ["BENCH_RASA_URL"].rstrip("/"), load(), None
    if not any((ROOT / "models").glob("*.tar.gz")):
        sys.exit("no trained model in models/: run `make train` first")
    tmp = tempfile.TemporaryDirectory(prefix="bench-telegram-")
    env = stack_env(Path(tmp.name))
    load_sample_directory(env)
    stack = Stack(load(env), rasa_port=free_port(), action_port=free_port(), token="bench-token", env=env)
    print("Starting the action server and the Rasa server...", flush=True)
    stack.start()
    return stack, stack.rasa_url, stack.settings, tmp


async def bench(settings: Settings, rasa_url: str) -> List[Result]:
    async with httpx.AsyncClient(base_url=rasa_url, timeout=120) as client:  # warm up model and actions
        for message in CONVERSATION:
            await client.post("/webhooks/rest/webhook", json={"sender": "bench-warmup", "message": message})
    results = [await direct(rasa_url)]
    print(results[-1].row(), flush=True)
    results.append(await through_bridge(settings, rasa_url, "Telegram bridge", rate_limit=0))
    print(results[-1].row(), flush=True)
    if RATE_LIMITED:
        results.append(await through_bridge(settings, rasa_url, "bridge + 30 msg/s limiter", rate_limit=30))
        print(results[-1].row(), flush=True)
    return results


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bot.telegram").setLevel(logging.WARNING)
    stack, rasa_url, settings, tmp = start_stack()
    try:
        print(f"\n{CHATS} chats x {MESSAGES} messages each ({CHATS * MESSAGES} messages per pass): {texts()}")
        print(f"{'path':<26}{'msgs':>6}{'wall s':>9}{'msgs/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'fail':>6}{'api/msg':>9}")
        results = asyncio.run(bench(settings, rasa_url))
    finally:
        if stack:
            stack.stop()
        if tmp:
            tmp.cleanup()
    base, bridged = results[0], results[1]
    print(
        f"\nBridge overhead (bridge / direct): throughput x{bridged.rate / base.rate:.2f}, "
        f"p50 x{bridged.pct(50) / base.pct(50):.2f}, p95 x{bridged.pct(95) / base.pct(95):.2f}"
    )
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
