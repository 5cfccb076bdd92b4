"""The CPU table of ``make bench-load`` (bench/cpu_usage.py), without running the benchmark.

The figures must say whether the cores were full or one process was the
bottleneck, so each must add up: a child that ends inside the window is
neither lost nor counted twice, and "other" is only what the groups leave.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Iterator

import pytest

from bench.cpu_usage import GROUPS, OTHER, Sample, busy_seconds, group_of, take, tree_seconds, usage


def test_two_samples_become_percent_of_one_core_per_group() -> None:
    start = Sample(
        at=100.0,
        machine_busy=1000.0,
        processes={
            (11, 1.0): ("rasa1", 50.0),
            (12, 1.0): ("rasa2", 40.0),
            (21, 1.0): ("actions1", 5.0),
            (31, 1.0): ("postgres", 2.0),  # the postmaster
            (32, 1.0): ("postgres", 3.0),  # a backend that exits inside the window
            (41, 1.0): ("nginx", 1.0),
            (51, 1.0): ("redis", 0.5),
            (61, 1.0): ("web", 4.0),
            (71, 1.0): ("maintenance", 1.0),
            (81, 1.0): ("locust", 2.0),  # its start-up, before the window
        },
    )
    end = Sample(
        at=110.0,  # a 10 s window
        machine_busy=1019.0,  # 1.9 s of CPU a second: 190% of one core
        processes={
            (11, 1.0): ("rasa1", 59.0),
            (12, 1.0): ("rasa2", 44.0),
            (21, 1.0): ("actions1", 6.0),
            (31, 1.0): ("postgres", 2.0 + 4.0),  # the backend's whole life, 4 s, reaped by the postmaster
            (33, 1.0): ("postgres", 0.5),  # a backend that started inside the window
            (41, 1.0): ("nginx", 1.5),
            (51, 1.0): ("redis", 0.7),
            (61, 1.0): ("web", 4.1),
            (71, 1.0): ("maintenance", 1.0),
            (81, 0.0): ("locust", 3.5),  # measured after it exited
        },
    )

    cpu = usage(start, end)

    assert cpu.seconds == 10.0
    assert cpu.machine == pytest.approx(190.0)
    assert cpu.groups == pytest.approx(
        {
            "rasa": 130.0,  # 90% and 40%
            "actions": 10.0,
            "web": 1.0,
            "nginx": 5.0,
            "postgres": 15.0,  # 1 s from the backend that ended, 0.5 s from the new one
            "redis": 2.0,
            "locust": 15.0,
            OTHER: 12.0,  # 190 less the named groups' 178
        }
    )
    assert list(cpu.groups) == [*GROUPS, OTHER]
    assert cpu.busiest[0] == "rasa1"
    assert cpu.busiest[1] == pytest.approx(90.0)


def test_other_is_never_negative_when_samples_are_taken_a_moment_apart() -> None:
    start = Sample(at=0.0, machine_busy=0.0, processes={(1, 1.0): ("rasa", 0.0)})
    end = Sample(at=1.0, machine_busy=0.98, processes={(1, 1.0): ("rasa", 1.0)})

    cpu = usage(start, end)

    assert cpu.groups["rasa"] == pytest.approx(100.0)
    assert cpu.groups[OTHER] == 0.0


def test_a_restarted_program_does_not_show_negative_use() -> None:
    start = Sample(at=0.0, machine_busy=0.0, processes={(1, 1.0): ("rasa1", 30.0)})
    end = Sample(at=2.0, machine_busy=1.0, processes={(2, 5.0): ("rasa1", 1.0)})

    assert usage(start, end).groups["rasa"] == 0.0


def test_an_empty_window_is_refused() -> None:
    with pytest.raises(ValueError):
        usage(Sample(at=5.0, machine_busy=0.0), Sample(at=5.0, machine_busy=1.0))


def test_programs_fall_into_groups() -> None:
    assert group_of("rasa2") == "rasa"
    assert group_of("starter") == "rasa"
    assert group_of("actions1") == "actions"
    assert group_of("postgres") == "postgres"
    assert group_of("maintenance") == OTHER
    assert group_of("telegram") == OTHER


def test_busy_time_leaves_out_idle_and_counts_guest_time_once() -> None:
    times = {
        "user": 10.0,  # includes guest 1.0
        "nice": 2.0,  # includes guest_nice 0.5
        "system": 3.0,
        "idle": 50.0,
        "iowait": 4.0,
        "irq": 0.25,
        "softirq": 0.25,
        "steal": 0.5,
        "guest": 1.0,
        "guest_nice": 0.5,
    }

    assert busy_seconds(times) == pytest.approx(16.0)


BURN = "import time\nwhile time.process_time() < 0.3:\n    pass\n"
# A parent with one child that burns 0.3 s of CPU and exits (reaped), and one that burns 0.3 s and waits.
PARENT = f"""
import subprocess, sys
subprocess.run([sys.executable, "-c", {BURN!r}], check=True)
waiting = subprocess.Popen([sys.executable, "-c", {BURN!r} + "print('burnt', flush=True)\\ninput()"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
waiting.stdout.readline()
print("ready", flush=True)
input()
waiting.communicate("")
"""


@pytest.fixture
def process_tree() -> Iterator[subprocess.Popen[str]]:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None and parent.stdout.readline() == "ready\n"
        yield parent
    finally:
        parent.communicate("\n", timeout=30)


def test_a_program_is_sampled_with_its_live_children_and_those_that_exited(
    process_tree: subprocess.Popen[str],
) -> None:
    tree = tree_seconds(process_tree.pid)

    assert len(tree) == 2  # the parent and the waiting child; the exited one is in the parent's figure
    assert sum(tree.values()) >= 0.6

    sample = take({"postgres": process_tree.pid, "redis": 0})
    assert {program for program, _ in sample.processes.values()} == {"postgres"}
    assert sum(cpu for _, cpu in sample.processes.values()) >= 0.6
    assert sample.machine_busy > 0
