"""Where one turn's time goes (``make bench-turn``): each graph node, the action call, the tracker store.

The trained model runs in this process (Rasa's Agent, the embedded profile's
SQLite tracker store) against a real action server, and each part is timed by
wrapping it: every node of the model's graph (NLU components, policies), the
HTTP call to the action server, the tracker store's retrieve and save, and the check of the action server's
answer (with bot/channels/action_results.py, as the server runs it; Rasa's
own check re-validated its schema on every call, about 60 ms).
The six-turn conversation of ``make bench-load`` is sent by ``BENCH_RESIDENTS``
residents one after another; the table gives the mean milliseconds per turn.
The same is measured for Rasa's starter bot (``rasa init``, as in bench-load)
as the baseline.

    make bench-turn
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.chdir(ROOT)

from bench.load import STARTER_DIR, StarterBot  # noqa: E402
from bench.turns import TURNS  # noqa: E402
from bot.runner import actions_command, free_port  # noqa: E402
from tests.support.stack import MODELS, load_sample_directory, stack_env  # noqa: E402

RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "30"))
TIMES: Dict[str, float] = defaultdict(float)


def _timed(name: str, function: Any) -> Any:
    if asyncio.iscoroutinefunction(function):

        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                TIMES[name] += time.perf_counter() - start

        return async_wrapper

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            TIMES[name] += time.perf_counter() - start

    return wrapper


def instrument() -> None:
    """Time each part; log as ``rasa run`` does (INFO: its debug lines would cost time here alone)."""
    import logging

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)
    from rasa.engine.graph import GraphNode
    from rasa.utils.endpoints import EndpointConfig

    original_call = GraphNode.__call__

    def node_call(self: GraphNode, *inputs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original_call(self, *inputs)
        finally:
            TIMES[f"node {self._node_name}"] += time.perf_counter() - start

    GraphNode.__call__ = node_call  # type: ignore[method-assign]
    # As in the Rasa server, where the REST channel installs it (bot/channels/action_results.py).
    from rasa.core.actions.action import RemoteAction

    from bot.channels import action_results

    action_results.install()
    RemoteAction._validate_action_result = _timed(  # type: ignore[method-assign]
        "action answer validation", RemoteAction._validate_action_result
    )
    EndpointConfig.request = _timed("action server call (HTTP)", EndpointConfig.request)  # type: ignore[method-assign]
    SQLTrackerStore.retrieve = _timed("tracker store retrieve", SQLTrackerStore.retrieve)  # type: ignore[method-assign]
    SQLTrackerStore.save = _timed("tracker store save", SQLTrackerStore.save)  # type: ignore[method-assign]


async def profile(model: Path, action_url: Optional[str], db: Path) -> Dict[str, float]:
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import EndpointConfig

    agent = Agent.load(
        str(model),
        action_endpoint=EndpointConfig(action_url) if action_url else None,
        tracker_store=SQLTrackerStore(dialect="sqlite", db=str(db)),
    )
    await agent.handle_text("hello", sender_id="warm-up")
    TIMES.clear()
    turns = 0
    start = time.perf_counter()
    for resident in range(RESIDENTS):
        for text in TURNS:
            await agent.handle_text(text, sender_id=f"profile-{resident}")
            turns += 1
    TIMES["whole turn (handle_text)"] = time.perf_counter() - start
    return {name: seconds * 1000 / turns for name, seconds in TIMES.items()}


def main() -> int:
    instrument()
    var_dir = Path(tempfile.mkdtemp(prefix="signpost-turn-"))
    env = stack_env(var_dir)
    load_sample_directory(env)
    port = free_port()
    actions = subprocess.Popen(
        actions_command(port),
        cwd=ROOT,
        env={**os.environ, **env, "SANIC_HOST": "127.0.0.1", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import requests

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        os.environ.update(env)
        model = max(MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        ours = asyncio.run(profile(model, f"http://127.0.0.1:{port}/webhook", var_dir / "tracker.db"))
    finally:
        actions.terminate()
        actions.wait(30)
    StarterBot(var_dir / "starter")  # trains rasa init's model once, if missing
    starter_model = max((STARTER_DIR / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    os.chdir(STARTER_DIR)
    starter = asyncio.run(profile(starter_model, None, var_dir / "starter-tracker.db"))
    print(
        f"\nWhere a turn's time goes: mean ms per turn over {RESIDENTS} residents x {len(TURNS)} turns, "
        "in one process (no HTTP in front), this machine.\n"
    )
    for title, times in (
        ("Signpost (embedded profile's model)", ours),
        ("Baseline: Rasa's starter bot", starter),
    ):
        print(f"{title}\n| part | ms per turn |\n|---|---:|")
        for name, ms in sorted(times.items(), key=lambda item: -item[1]):
            if ms >= 0.05:
                print(f"| {name} | {ms:.2f} |")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
