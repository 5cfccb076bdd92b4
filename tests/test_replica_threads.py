"""The replicated profile gives each Rasa replica its share of the cores (bot.replicated.stack)."""

from __future__ import annotations

import os

from bot.replicated.stack import THREAD_VARIABLES, thread_limits


def test_each_replica_gets_its_share_of_the_cores() -> None:
    cores = os.cpu_count() or 1
    limits = thread_limits({}, replicas=2)
    assert set(limits) == set(THREAD_VARIABLES)
    assert set(limits.values()) == {str(max(1, cores // 2))}
    assert set(thread_limits({}, replicas=cores * 4).values()) == {"1"}  # never 0


def test_a_council_can_choose_and_a_variable_set_by_hand_wins() -> None:
    limits = thread_limits({"REPLICA_THREADS": "3", "OMP_NUM_THREADS": "2"}, replicas=2)
    assert limits["OMP_NUM_THREADS"] == "2"
    assert {limits[name] for name in THREAD_VARIABLES if name != "OMP_NUM_THREADS"} == {"3"}
