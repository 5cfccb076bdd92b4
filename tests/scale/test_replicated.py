"""The replicated profile under load and a crash: nginx, REPLICAS Rasa servers, PostgreSQL, Redis.

``make test`` runs it with ``SCALE_CONVERSATIONS`` (default 20) residents at
once; ``make test-scale`` with 200. Every reply arrives, in order, and every
message is in the PostgreSQL tracker exactly once; then a replica is killed
(SIGKILL) in the middle of a run and the conversations carry on through the
other one.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import aiohttp
import pytest
from sqlalchemy import create_engine, text

from bench.turns import TURNS
from bot.replicated import nginx, postgres, redis
from bot.runner import free_port
from bot.settings import load
from tests.support.fake_bot_api import FakeBotAPI
from tests.support.stack import MODELS, stack_env

pytestmark = pytest.mark.stack

CONVERSATIONS = int(os.environ.get("SCALE_CONVERSATIONS", "20"))
PHONE = "0344 980 3333"
TELEGRAM_WEBHOOK = "https://chat.example.org/telegram/hook"
TELEGRAM_SECRET = "scale-secret"
LOCK_SECONDS = 8  # a dead replica's hold on a conversation lasts this long (TICKET_LOCK_LIFETIME)


def _missing() -> Optional[str]:
    for found, message in (
        (postgres.binaries(), postgres.MISSING),
        (redis.binary(), redis.MISSING),
        (nginx.binary(), nginx.MISSING),
    ):
        if not found:
            return message
    return None


class FakeBotApiInThread:
    """The fake Telegram Bot API on its own event loop, for a stack started from synchronous code."""

    def __enter__(self) -> FakeBotAPI:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.fake = FakeBotAPI()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result(10)
        return self.fake

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture(scope="module")
def replicated() -> Iterator[Any]:
    from bot.replicated.stack import ReplicatedStack

    if _missing():
        pytest.fail(f"{_missing()} (scripts/system-deps.sh installs it; make test runs it)")
    var_dir = Path(tempfile.mkdtemp(prefix="signpost-scale-"))  # not under pytest's 0700 folder: PostgreSQL's
    with FakeBotApiInThread() as fake_bot:
        env = {
            **os.environ,
            **stack_env(var_dir),
            "STAFF_MODELS_DIR": str(MODELS),
            "WEB_PORT": str(free_port()),
            "CHAT_RATE_LIMIT_PER_SENDER": "off",
            "CHAT_RATE_LIMIT_PER_ADDRESS": "off",
            "TICKET_LOCK_LIFETIME": str(LOCK_SECONDS),
            "TELEGRAM_BOT_TOKEN": "123456:scale-test",
            "TELEGRAM_API_BASE_URL": fake_bot.base_url,
            "TELEGRAM_WEBHOOK_URL": TELEGRAM_WEBHOOK,
            "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        }
        stack = ReplicatedStack(
            load(env), token="scale-token", env=env, rate_per_minute=1_000_000, burst=100_000, pull_seconds=2
        )
        stack.fake_bot = fake_bot  # type: ignore[attr-defined]
        try:
            stack.start(300)
            yield stack
        finally:
            stack.stop()
            if not os.environ.get("SCALE_KEEP"):  # SCALE_KEEP=1 keeps the logs for a look
                shutil.rmtree(var_dir, ignore_errors=True)


@dataclass
class Run:
    url: str
    sent: int = 0
    answered: int = 0
    in_flight: int = 0
    failures: List[str] = field(default_factory=list)
    replies: Dict[str, List[List[Dict[str, Any]]]] = field(default_factory=dict)
    sent_after_kill: int = 0
    failed_after_kill: int = 0
    killed_at_in_flight: Optional[int] = None
    killed_at: float = float("inf")
    sent_around_kill: int = 0  # sent within a second of the kill, while the dying process may still accept

    async def conversation(self, session: aiohttp.ClientSession, sender: str) -> None:
        self.replies[sender] = []
        for turn in TURNS:
            now = time.monotonic()
            after_kill = now > self.killed_at + 1
            self.sent_around_kill += self.killed_at <= now <= self.killed_at + 1
            self.sent += 1
            self.sent_after_kill += after_kill
            self.in_flight += 1
            try:
                async with session.post(
                    f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": turn}
                ) as response:
                    body = await response.json(content_type=None) if response.status == 200 else None
                    if response.status != 200 or not body:
                        raise RuntimeError(f"HTTP {response.status}")
                    self.replies[sender].append(body)
                    self.answered += 1
            except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError) as exc:
                self.failures.append(f"{sender} {turn!r}: {exc!r}")
                self.failed_after_kill += after_kill
                self.replies[sender].append([])
            finally:
                self.in_flight -= 1


def _drive(run: Run, senders: List[str], kill: Optional[Any] = None) -> None:
    """In a thread of its own: earlier tests may leave an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _drive_async(run, senders, kill)).result()


async def _drive_async(run: Run, senders: List[str], kill: Optional[Any] = None) -> None:
    timeout = aiohttp.ClientTimeout(total=90)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        tasks = [asyncio.create_task(run.conversation(session, s)) for s in senders]
        if kill is not None:
            total = len(senders) * len(TURNS)
            while run.answered < total // 3:
                await asyncio.sleep(0.05)
            run.killed_at_in_flight = run.in_flight
            run.killed_at = time.monotonic()
            kill()
        await asyncio.gather(*tasks)


def _user_messages(database_url: str, senders: List[str]) -> Dict[str, List[str]]:
    import json

    engine = create_engine(database_url)
    found: Dict[str, List[str]] = {s: [] for s in senders}
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id")
        )
        for sender, data in rows:
            if sender in found:
                found[sender].append(json.loads(data)["text"])
    engine.dispose()
    return found


def _texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies if r.get("text"))


def test_every_reply_arrives_in_order_and_every_message_is_stored_once(replicated: Any) -> None:
    senders = [f"scale-{uuid.uuid4().hex}" for _ in range(CONVERSATIONS)]
    run = Run(replicated.web_url)
    _drive(run, senders)

    assert run.failures == []
    for sender in senders:
        replies = run.replies[sender]
        assert len(replies) == len(TURNS)
        assert not any("went wrong" in _texts(r) for r in replies), "an action failed"
        assert "postcode" in _texts(replies[1]), "i need a free laptop -> where are you?"
        assert any((r.get("custom") or {}).get("type") == "hubs" for r in replies[2]), "NR3 2AB -> places"
        assert PHONE in _texts(replies[4]), "can i talk to a person -> a phone number"
    stored = _user_messages(replicated.database_url, senders)
    assert all(stored[s] == TURNS for s in senders), [s for s in senders if stored[s] != TURNS][:3]


def test_a_killed_replica_loses_at_most_the_messages_in_flight(replicated: Any) -> None:
    replicas = replicated.replicas
    victim = replicas[0]
    pid = victim.pid()
    senders = [f"kill-{uuid.uuid4().hex}" for _ in range(CONVERSATIONS)]
    run = Run(replicated.web_url)
    _drive(run, senders, kill=lambda: os.kill(pid, signal.SIGKILL))

    assert run.killed_at_in_flight is not None
    assert run.failed_after_kill == 0, run.failures[:5]
    assert len(run.failures) <= run.killed_at_in_flight + run.sent_around_kill, run.failures[:5]
    stored = _user_messages(replicated.database_url, senders)
    for sender in senders:
        counts = Counter(stored[sender])
        assert all(n == 1 for n in counts.values()), f"recorded twice: {counts}"
        answered = [turn for turn, replies in zip(TURNS, run.replies[sender], strict=True) if replies]
        assert all(counts[turn] == 1 for turn in answered), f"{sender}: an answered message is not stored"
    # supervisord brings the replica back, with the live model pulled from the web server.
    deadline = time.monotonic() + 180
    while not (victim.pid() not in (0, pid) and victim.healthy()):
        assert time.monotonic() < deadline, "the killed replica did not come back"
        time.sleep(1)


def test_nginx_passes_on_only_what_residents_need(replicated: Any) -> None:
    import requests

    url = replicated.web_url
    for path in (
        "/status",
        "/version",
        "/conversations/someone/tracker",
        "/model",
        "/internal/model",
        "/webhooks/rest/forget",
    ):
        assert requests.get(f"{url}{path}", timeout=10).status_code == 404, path
    assert requests.post(f"{url}/model/parse", json={"text": "hi"}, timeout=10).status_code == 404
    assert requests.get(f"{url}/", timeout=10).ok, "the demo page"
    assert requests.get(f"{url}/widget.js", timeout=10).ok


def test_nginx_refuses_a_big_body_in_the_channels_words(replicated: Any) -> None:
    import requests

    from bot.channels.refusals import TOO_LONG

    response = requests.post(
        f"{replicated.web_url}/webhooks/rest/webhook",
        timeout=10,
        json={"sender": "big", "message": "x" * 5_000_000},
    )
    assert response.status_code == 413
    assert response.json() == [{"recipient_id": None, "text": TOO_LONG, "error": "too_large"}]


def test_a_message_behind_a_dead_replicas_lock_is_answered_when_that_lock_expires(replicated: Any) -> None:
    import requests
    from rasa.core.lock_store import RedisLockStore

    sender = f"lock-{uuid.uuid4().hex}"
    store = RedisLockStore(
        host="127.0.0.1",
        port=replicated.ports.redis,
        key_prefix="signpost",
        password=(replicated.settings.var_dir / "redis_password").read_text().strip(),
    )
    store.issue_ticket(
        sender, LOCK_SECONDS
    )  # what a replica killed in the middle of this conversation leaves
    started = time.monotonic()
    response = requests.post(
        f"{replicated.web_url}/webhooks/rest/webhook",
        timeout=LOCK_SECONDS * 6,
        json={"sender": sender, "message": "i need a laptop"},
    )
    waited = time.monotonic() - started
    assert response.status_code == 200 and "postcode" in _texts(response.json())
    assert LOCK_SECONDS - 1 < waited < LOCK_SECONDS * 4, f"answered after {waited:.1f} s"


def test_promote_and_roll_back_reach_every_replica_without_a_restart(replicated: Any, tmp_path: Path) -> None:
    import requests

    from bot.staff import promotion as staff_models
    from bot.staff.settings import load as load_staff_settings
    from bot.staff.store import Store

    staff = load_staff_settings({**replicated.supervisor.env, "STAFF_DB_URL": replicated.database_url})
    store = Store(staff.db_location)
    first = staff_models.resolve_live(staff, store)
    assert first is not None
    candidate = tmp_path / "staff-20270101-000000.tar.gz"
    shutil.copy(first["path"], candidate)
    candidate_id = store.register_model(str(candidate), "alice")
    store.set_scores(candidate_id, 1.0, {"macro_f1": 1.0, "per_intent": {}})
    pids = [r.pid() for r in replicated.replicas]

    def served() -> List[str]:
        return [requests.get(f"{r.health_url}", timeout=10).json()["model_file"] for r in replicated.replicas]

    def wait_for(name: str) -> None:
        deadline = time.monotonic() + 60
        while set(served()) != {name}:
            assert time.monotonic() < deadline, f"replicas serve {served()}, not {name}"
            time.sleep(1)

    assert staff_models.promote(staff, store, candidate_id, "alice").promoted
    wait_for(candidate.name)
    assert staff_models.rollback(staff, store, first["id"], "bob").promoted
    wait_for(Path(first["path"]).name)
    assert [r.pid() for r in replicated.replicas] == pids, "no replica was restarted"


def test_telegram_reaches_the_replicas_through_nginx_in_webhook_mode(replicated: Any) -> None:
    import requests

    fake = replicated.fake_bot
    set_webhook = fake.sent(method="setWebhook")
    assert set_webhook and set_webhook[-1].params["url"] == TELEGRAM_WEBHOOK
    hook = f"{replicated.web_url}/telegram/hook"
    update = {"update_id": 7001, "message": fake.message(4242, "i need a free laptop")}
    wrong = requests.post(hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}, timeout=10)
    assert wrong.status_code == 403
    right = requests.post(
        hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}, timeout=10
    )
    assert right.status_code == 200
    deadline = time.monotonic() + 60
    while not any("postcode" in text for text in fake.texts(4242)):
        assert time.monotonic() < deadline, f"no answer on Telegram: {fake.texts(4242)}"
        time.sleep(0.5)
