"""Load benchmark: messages per second and latency, three set-ups in one run (``make bench-load``).

1. **Baseline: Rasa's starter bot** (``rasa init``: its own model, one ``rasa run``),
   over the same REST path.
2. **Embedded profile** (``make run``): one Rasa server, one action server, SQLite.
3. **Replicated profile** (``make run-replicated``): ``REPLICAS`` Rasa servers, two
   action servers, PostgreSQL, Redis, behind nginx.

Each set-up gets 1, 10 and 50 concurrent residents (Locust, bench/locustfile.py),
each sending the six-turn conversation over and over for ``BENCH_SECONDS``. The
load generator runs on the same 2 cores as the server, the same for every set-up.
Peak memory (VmHWM) of each process is read at the end of its set-up.

    make bench-load                                   # about 10 minutes
    BENCH_SECONDS=20 BENCH_CONCURRENCY=1,50 BENCH_PROFILES=embedded,replicated make bench-load
"""

from __future__ import annotations

import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

import requests  # noqa: E402

from bench import cpu_usage  # noqa: E402
from bot.replicated.stack import ReplicatedStack  # noqa: E402
from bot.runner import Supervised, free_port  # noqa: E402
from bot.settings import load  # noqa: E402
from bot.supervision import Program, Supervisor  # noqa: E402
from tests.support.stack import MODELS, sample_stack, stack_env  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "30"))
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,10,50").split(",")]
PROFILES = os.environ.get("BENCH_PROFILES", "starter,embedded,replicated").split(",")
REPLICAS = int(os.environ.get("REPLICAS", "2"))
STARTER_DIR = ROOT / "var" / "bench" / "starter"
BIN = Path(sys.executable).parent
# Limits meant for residents would throttle a load generator that is one address.
NO_LIMITS = {"CHAT_RATE_LIMIT_PER_SENDER": "off", "CHAT_RATE_LIMIT_PER_ADDRESS": "off"}


@dataclass
class Result:
    profile: str
    users: int
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float
    cpu: Optional[cpu_usage.Usage] = None


def locust(url: str, users: int, seconds: int, out: Path, stack: Supervised) -> Result:
    """One row: Locust's figures, and the CPU each part of the set-up used while Locust sent."""
    prefix = out / f"u{users}"
    started = Path(f"{prefix}_stats_history.csv")
    started.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--only-summary",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--stop-timeout",
            "30",
            "--host",
            url,
            "--csv",
            str(prefix),
            "--loglevel",
            "ERROR",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Locust opens its CSV files once it has imported everything, just before the first resident starts.
    while not started.exists() and process.poll() is None:
        time.sleep(0.05)
    start = cpu_usage.take({**programs(stack), "locust": process.pid})
    process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Locust has exited: its whole CPU time is in this process's figure for reaped children.
    spent = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    end = cpu_usage.take(programs(stack), {(process.pid, 0.0): ("locust", spent)})
    with open(f"{prefix}_stats.csv") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    return Result(
        "",
        users,
        int(row["Request Count"]),
        int(row["Failure Count"]),
        float(row["Requests/s"]),
        float(row["50%"]),
        float(row["95%"]),
        float(row["99%"]),
        cpu_usage.usage(start, end),
    )


def programs(stack: Supervised) -> Dict[str, int]:
    """Each supervised program's pid (0 when it is not running)."""
    return {info["name"]: info["pid"] for info in stack.supervisor.rpc().getAllProcessInfo()}


def peak_memory_mb(stack: Supervised) -> Dict[str, float]:
    """VmHWM (peak resident memory) of every supervised process and its children."""
    peaks: Dict[str, float] = {}
    for info in stack.supervisor.rpc().getAllProcessInfo():
        pids = [info["pid"]] + _children(info["pid"])
        total = 0.0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) / 1024
            except (FileNotFoundError, ProcessLookupError):
                pass
        peaks[info["name"]] = total
    return peaks


def _children(pid: int) -> List[int]:
    try:
        found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []
    return found + [g for c in found for g in _children(c)]


class StarterBot(Supervised):
    """``rasa init``'s project, trained once into var/bench/starter, served by ``rasa run``."""

    def __init__(self, var_dir: Path) -> None:
        from bot.runner import Service

        if not any((STARTER_DIR / "models").glob("*.tar.gz")):
            shutil.rmtree(STARTER_DIR, ignore_errors=True)
            STARTER_DIR.mkdir(parents=True)
            print("Training Rasa's starter bot (rasa init, once)...", flush=True)
            subprocess.run(
                [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(STARTER_DIR)],
                cwd=STARTER_DIR,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        self.settings = load({"SIGNPOST_VAR_DIR": str(var_dir)})
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        program = Program(
            "starter",
            [str(BIN / "rasa"), "run", "--port", str(port), "--interface", "127.0.0.1", "--enable-api"],
            var_dir / "logs" / "starter.log",
            start_seconds=10,
        )
        self.supervisor = Supervisor(
            [program],
            var_dir / "supervisor",
            var_dir / "logs" / "supervisord.log",
            STARTER_DIR,
            dict(os.environ),
        )
        self.services = [Service("starter bot", program, f"{self.url}/status", self.supervisor)]


def embedded(var_dir: Path) -> Tuple[Supervised, str]:
    stack = sample_stack(
        var_dir, "bench", NO_LIMITS, model=max(MODELS.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    )
    return stack, stack.rasa_url


def replicated(var_dir: Path) -> Tuple[Supervised, str]:
    env = {
        **os.environ,
        **stack_env(var_dir),
        **NO_LIMITS,
        "STAFF_MODELS_DIR": str(MODELS),
        "WEB_PORT": str(free_port()),
    }
    stack = ReplicatedStack(
        load(env), token="bench", replicas=REPLICAS, env=env, rate_per_minute=1_000_000, burst=10_000
    )
    return stack, stack.web_url


def starter(var_dir: Path) -> Tuple[Supervised, str]:
    bot = StarterBot(var_dir)
    return bot, bot.url


SETUPS: Dict[str, Callable[[Path], Tuple[Supervised, str]]] = {
    "starter": starter,
    "embedded": embedded,
    "replicated": replicated,
}


def run_profile(name: str) -> Iterator[Tuple[Result, Optional[Dict[str, float]]]]:
    var_dir = Path(tempfile.mkdtemp(prefix=f"signpost-bench-{name}-"))
    stack, url = SETUPS[name](var_dir)
    print(f"Starting {name}...", flush=True)
    stack.start(300)
    try:
        requests.post(
            f"{url}/webhooks/rest/webhook", json={"sender": "warm-up", "message": "hello"}, timeout=60
        )
        for users in CONCURRENCY:
            result = locust(url, users, SECONDS, var_dir, stack)
            result.profile = name
            print(
                f"  {name:<10} {users:>3} conversations: {result.per_second:6.1f} msg/s, "
                f"p50 {result.p50:.0f} ms, p95 {result.p95:.0f} ms, p99 {result.p99:.0f} ms, "
                f"{result.failures} failed of {result.requests}",
                flush=True,
            )
            yield result, None
        yield Result(name, 0, 0, 0, 0, 0, 0, 0), peak_memory_mb(stack)
    finally:
        stack.stop()
        shutil.rmtree(var_dir, ignore_errors=True)


def main() -> int:
    results: List[Result] = []
    memory: Dict[str, Dict[str, float]] = {}
    started = time.monotonic()
    for name in PROFILES:
        for result, peaks in run_profile(name):
            if peaks is None:
                results.append(result)
            else:
                memory[name] = peaks
    baseline = {r.users: r.per_second for r in results if r.profile == "starter"}
    embedded_rate = {r.users: r.per_second for r in results if r.profile == "embedded"}
    print(
        f"\nLoad benchmark: the six-turn conversation, {SECONDS} s per row, {os.cpu_count()} cores "
        f"({time.monotonic() - started:.0f} s in all). Baseline: Rasa's starter bot (rasa init).\n"
    )
    print(
        "| set-up | conversations | messages/s | p50 ms | p95 ms | p99 ms | failed"
        " | vs starter | vs embedded |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        vs_start = f"{r.per_second / baseline[r.users]:.2f}x" if baseline.get(r.users) else ""
        vs_embedded = (
            f"{r.per_second / embedded_rate[r.users]:.2f}x"
            if embedded_rate.get(r.users) and r.profile != "embedded"
            else ""
        )
        print(
            f"| {r.profile} | {r.users} | {r.per_second:.1f} | {r.p50:.0f} | {r.p95:.0f} | {r.p99:.0f} | "
            f"{r.failures}/{r.requests} | {vs_start} | {vs_embedded} |"
        )
    print("\nPeak memory (MB, VmHWM per process and its children):")
    for name, peaks in memory.items():
        print(
            f"  {name}: "
            + ", ".join(f"{k} {v:.0f}" for k, v in sorted(peaks.items()))
            + f" (total {sum(peaks.values()):.0f})"
        )
    print_cpu(results)
    return 0


def print_cpu(results: List[Result]) -> None:
    """The CPU table: is the machine full, and which part of the set-up uses it."""
    cores = os.cpu_count() or 1
    print(
        f"\nCPU while Locust sent (percent of one core: {cores} cores = {100 * cores}%; each group with"
        " its children; other = the rest of the machine's busy time):\n"
    )
    print(
        "| set-up | conversations | messages/s | machine | "
        + " | ".join(cpu_usage.GROUPS)
        + f" | {cpu_usage.OTHER} | busiest process |"
    )
    print("|---|---:|---:|---:|" + "---:|" * (len(cpu_usage.GROUPS) + 1) + "---|")
    for r in results:
        if r.cpu is None:
            continue
        groups = " | ".join(f"{r.cpu.groups[name]:.0f}" for name in (*cpu_usage.GROUPS, cpu_usage.OTHER))
        name, percent = r.cpu.busiest
        print(
            f"| {r.profile} | {r.users} | {r.per_second:.1f} | {r.cpu.machine:.0f} | {groups} | "
            f"{name} {percent:.0f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
