"""Where the CPU goes during one row of ``make bench-load``, per component of the set-up.

Every set-up levels off at the same rate on this machine. These figures say
why: either the machine's cores are all busy (then more processes cannot help
here) or one process is the bottleneck while a core waits. Figures are percent
of one core, so a 2-core machine at full use shows 200%.

A supervised program is sampled with every process under it, and with the CPU
time of its children that have already exited (PostgreSQL backends, nginx
workers): the kernel adds a child's time to its parent's when the parent
reaps it, so nothing is lost when a process ends inside the window.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional, Tuple

import psutil

# Columns of the CPU table, in order; "other" is the rest of the machine's busy time.
GROUPS = ("rasa", "actions", "web", "nginx", "postgres", "redis", "locust")
OTHER = "other"
# Programs named after what they run, not after a group ("starter" is Rasa's starter bot).
ALIASES = {"starter": "rasa"}

# A process: (pid, start time), so a pid used again by a new process is not mistaken for the old one.
ProcessKey = Tuple[int, float]


@dataclass(frozen=True)
class Sample:
    """CPU seconds used so far: the whole machine's and each process's, at one moment."""

    at: float  # time.monotonic()
    machine_busy: float  # CPU seconds over all cores, idle and waiting for disk excluded
    # process -> (the supervised program it belongs to, its CPU seconds with its exited children's)
    processes: Mapping[ProcessKey, Tuple[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Usage:
    """CPU used between two samples, as percent of one core."""

    seconds: float
    machine: float
    groups: Dict[str, float]  # every name in GROUPS, then OTHER
    busiest: Tuple[str, float]  # the program that used the most, and how much


def group_of(program: str) -> str:
    """``rasa2`` -> ``rasa``, ``actions1`` -> ``actions``; programs outside GROUPS count as other."""
    name = re.sub(r"\d+$", "", program)
    name = ALIASES.get(name, name)
    return name if name in GROUPS else OTHER


def busy_seconds(times: Mapping[str, float]) -> float:
    """Non-idle CPU seconds from ``psutil.cpu_times()._asdict()``, counted as psutil.cpu_percent does.

    Linux already counts guest time inside user and nice time, so it is taken out once.
    """
    total = sum(times.values())
    for idle in ("idle", "iowait", "guest", "guest_nice"):
        total -= times.get(idle, 0.0)
    return total


def usage(start: Sample, end: Sample) -> Usage:
    """Percent of one core used by each group, the busiest program and the whole machine.

    Totals are summed per program before subtracting: a child alive at the start
    that has exited by the end is in its parent's figure at the end, so it must
    still be subtracted at the start. A process only in the end sample started
    inside the window. "other" is what the machine used beyond the named groups:
    supervisord, maintenance, this script, and anything else running on the machine.
    """
    seconds = end.at - start.at
    if seconds <= 0:
        raise ValueError("the end sample must be later than the start sample")
    by_program: Dict[str, float] = {}
    for sample, sign in ((end, 1.0), (start, -1.0)):
        for program, cpu in sample.processes.values():
            by_program[program] = by_program.get(program, 0.0) + sign * cpu
    percent = {program: max(cpu, 0.0) / seconds * 100 for program, cpu in by_program.items()}
    groups = {name: 0.0 for name in GROUPS}
    for program, value in percent.items():
        name = group_of(program)
        if name != OTHER:
            groups[name] += value
    machine = max(end.machine_busy - start.machine_busy, 0.0) / seconds * 100
    groups[OTHER] = max(machine - sum(groups.values()), 0.0)
    busiest = max(percent.items(), key=lambda item: item[1], default=("", 0.0))
    return Usage(seconds, machine, groups, busiest)


def tree_seconds(pid: int) -> Dict[ProcessKey, float]:
    """CPU seconds of a process and everything under it, each with its exited children's time."""
    found: Dict[ProcessKey, float] = {}
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return found
    for process in processes:
        try:
            with process.oneshot():
                times = process.cpu_times()
                found[(process.pid, process.create_time())] = (
                    times.user + times.system + times.children_user + times.children_system
                )
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue  # ended while the tree was walked: its parent's figure has it once reaped
    return found


def take(
    programs: Mapping[str, int], extra: Optional[Mapping[ProcessKey, Tuple[str, float]]] = None
) -> Sample:
    """The machine and each program (name -> pid, 0 when not running) with its children, now.

    ``extra``: processes measured another way (the load generator once it has exited).
    """
    at = time.monotonic()
    machine = busy_seconds(psutil.cpu_times()._asdict())
    processes: Dict[ProcessKey, Tuple[str, float]] = dict(extra or {})
    for program, pid in programs.items():
        if pid:
            for key, cpu in tree_seconds(pid).items():
                processes[key] = (program, cpu)
    return Sample(at, machine, processes)
