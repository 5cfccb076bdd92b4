"""The child processes the console starts (``rasa train``, the held-out evaluation).

They run apart from the web process, so a crash in one cannot take the
console down; this module remembers them so that stopping the web process
stops them too (no orphaned ``rasa train`` holding two cores).
"""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Set

from bot import child_env as process_environment
from bot.staff.settings import StaffSettings

_RUNNING: Set[subprocess.Popen] = set()


def child_env(settings: StaffSettings) -> Dict[str, str]:
    """What every process of ours runs with (bot/process.env), and the code root on PYTHONPATH."""
    return process_environment.child_env(settings.code_root)


@contextmanager
def started(settings: StaffSettings, command: List[str], **pipes: Any) -> Iterator[subprocess.Popen]:
    """Start ``command`` in the project folder with our environment, remembered while the caller waits."""
    process = subprocess.Popen(command, cwd=settings.project_dir, env=child_env(settings), **pipes)
    _RUNNING.add(process)
    try:
        yield process
    finally:
        _RUNNING.discard(process)


def stop_all() -> None:
    """When the web process shuts down, its children stop too."""
    for process in list(_RUNNING):
        process.terminate()
