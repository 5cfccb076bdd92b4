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
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path, and this file would
# shadow the python-telegram-bot package (also called "telegram"): drop the folder.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

import httpx  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import ContextTypes, TypeHandler  # noqa: E402

from bot.runner import Stack  # noqa: E402
from bot.settings import Settings, load  # noqa: E402
from bot.telegram.app import build_application, running  # noqa: E402
from bot.telegram.rasa_client import RasaClient  # noqa: E402
from bot.telegram.settings import TelegramSettings, sender_id  # noqa: E402
from tests.support.fake_bot_api import FakeBotAPI  # noqa: E402
from tests.support.stack import sample_stack  # noqa: E402

CONVERSATION = ["i cant afford a laptop", "NR3 2AB", "i need a free sim near NR2 4EE", "thank you"]
CHATS = int(os.environ.get("BENCH_CHATS", "50"))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", str(len(CONVERSATION))))
RATE_LIMITED = os.environ.get("BENCH_RATE_LIMITED", "1") == "1"
PER_MESSAGE_TIMEOUT = 120


class TimedRasa(RasaClient):
    """Records how long each Rasa call took, per sender, to separate Rasa's time from the bridge's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seconds: Dict[str, List[float]] = defaultdict(list)

    async def send(self, sender: str, text: str, metadata: Any = None) -> List[Dict[str, Any]]:
        started = time.perf_counter()
        try:
            return await super().send(sender, text, metadata)
        finally:
            self.seconds[sender].append(time.perf_counter() - started)


@dataclass
class Result:
    name: str
    latencies: List[float]
    wall: float
    failures: int = 0
    api_calls: int = 0
    own: List[float] = field(default_factory=list)  # bridge: latency minus the Rasa call, per message

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    def row(self) -> str:
        calls = f"{self.api_calls / len(self.latencies):.1f}" if self.api_calls else "-"
        mean = sum(self.latencies) / len(self.latencies) * 1000
        return (
            f"{self.name:<26}{len(self.latencies):>6}{self.wall:>9.1f}{self.rate:>9.1f}"
            f"{mean:>9.0f}{self.pct(50):>9.0f}{self.pct(95):>9.0f}{self.failures:>6}{calls:>9}"
        )


def texts() -> List[str]:
    return [CONVERSATION[i % len(CONVERSATION)] for i in range(MESSAGES)]


async def direct(rasa_url: str, chats: int = CHATS, name: str = "REST channel (direct)") -> Result:
    """Baseline: 50 clients POST the conversation to the REST channel."""
    latencies: List[float] = []
    failures = 0

    async def resident(client: httpx.AsyncClient) -> None:
        nonlocal failures
        sender = f"bench-{uuid.uuid4().hex}"
        for message in texts():
            started = time.perf_counter()
            response = await client.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": message}
            )
            latencies.append(time.perf_counter() - started)
            failures += response.status_code != 200

    limits = httpx.Limits(max_connections=chats)
    async with httpx.AsyncClient(base_url=rasa_url, timeout=PER_MESSAGE_TIMEOUT, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(resident(client) for _ in range(chats)))
        return Result(name, latencies, time.perf_counter() - started, failures)


async def through_bridge(
    settings: Settings, rasa_url: str, name: str, rate_limit: float, chats: int = CHATS
) -> Result:
    """50 chats through the real Application; an extra handler in group 1 marks each update done."""
    done: Dict[int, asyncio.Future] = {}

    async def finished(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        future = done.get(update.update_id)
        if future and not future.done():
            future.set_result(time.perf_counter())

    latencies: List[float] = []
    own: List[float] = []
    failures = 0
    async with FakeBotAPI() as fake:
        telegram = TelegramSettings(
            token="1:bench", api_base_url=fake.base_url, rate_limit=rate_limit, rasa_timeout=60
        )
        rasa, key = TimedRasa(rasa_url, timeout=60), uuid.uuid4().bytes
        application = build_application(settings, telegram, rasa, secret_key=key, forget=lambda s: 0)
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
                    own.append(ended - started - rasa.seconds[sender_id(key, chat_id)][-1])

            started = time.perf_counter()
            first = 9_000_000 + 1000 * int(rate_limit) + chats  # fresh chats (conversations) per pass
            await asyncio.gather(*(resident(first + i) for i in range(chats)))
            wall = time.perf_counter() - started
            api_calls = len(fake.calls) - calls_before
            apologies = sum("try again in a minute" in c.params.get("text", "") for c in fake.calls)
    return Result(name, latencies, wall, failures + apologies, api_calls, own)


def start_stack() -> tuple[Optional[Stack], str, Settings, Optional[tempfile.TemporaryDirectory]]:
    if os.environ.get("BENCH_RASA_URL"):
        return None, os.environ["BENCH_RASA_URL"].rstrip("/"), load(), None
    if not any((ROOT / "models").glob("*.tar.gz")):
        sys.exit("no trained model in models/: run `make train` first")
    tmp = tempfile.TemporaryDirectory(prefix="bench-telegram-")
    stack = sample_stack(Path(tmp.name), "bench-token", web=False)
    print("Starting the action server and the Rasa server...", flush=True)
    stack.start()
    return stack, stack.rasa_url, stack.settings, tmp


async def bench(settings: Settings, rasa_url: str) -> List[Result]:
    async with httpx.AsyncClient(base_url=rasa_url, timeout=120) as client:  # warm up model and actions
        for message in CONVERSATION:
            await client.post("/webhooks/rest/webhook", json={"sender": "bench-warmup", "message": message})
    for result in (
        await direct(rasa_url, 1, "1 chat: REST direct"),
        await through_bridge(settings, rasa_url, "1 chat: bridge", rate_limit=30, chats=1),
    ):
        print(result.row(), flush=True)  # no queueing in Rasa: the bridge's own cost per message
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
        print(
            f"{'path':<26}{'msgs':>6}{'wall s':>9}{'msgs/s':>9}{'mean ms':>9}"
            f"{'p50 ms':>9}{'p95 ms':>9}{'fail':>6}{'api/msg':>9}"
        )
        results = asyncio.run(bench(settings, rasa_url))
    finally:
        if stack:
            stack.stop()
        if tmp:
            tmp.cleanup()
    base, bridged = results[0], results[1]
    print(
        f"\nBridge overhead (bridge / direct): throughput x{bridged.rate / base.rate:.2f}, "
        f"mean latency x{sum(bridged.latencies) / sum(base.latencies):.2f}, "
        f"p50 x{bridged.pct(50) / base.pct(50):.2f}, p95 x{bridged.pct(95) / base.pct(95):.2f}"
    )
    for result in results[1:]:
        own = sorted(result.own)
        print(
            f"{result.name}: the bridge's own time per message (latency minus the Rasa call) "
            f"p50 {own[len(own) // 2] * 1000:.0f} ms, p95 {own[int(len(own) * 0.95)] * 1000:.0f} ms, "
            f"max {own[-1] * 1000:.0f} ms"
        )
    print(
        "Rasa is the bottleneck at this load: 50 residents queue in it either way, so mean latency is about\n"
        "chats / throughput (Little's law); the bridge's own cost shows in throughput and mean latency."
    )
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
