"""The one-training-at-a-time lock and the status file the Models page reads.

Both are files under the staff folder, so a training started from the command
line and one started from the console (another process) see each other. The
lock is an ``flock``: it goes away with the process that held it, so a
crashed training never blocks the next one, and a status still saying
"training" without the lock held is shown as failed.
"""

from __future__ import annotations

import fcntl
import json
from pathlib import Path
from typing import IO, Any, Dict

from bot.staff.settings import StaffSettings

RUNNING = ("training", "evaluating")


class AlreadyRunning(RuntimeError):
    """A training holds the lock."""


def status_path(settings: StaffSettings) -> Path:
    return settings.staff_dir / "train_status.json"


def read_status(settings: StaffSettings) -> Dict[str, Any]:
    """The last training's state (``idle`` when there was none)."""
    try:
        status = json.loads(status_path(settings).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {"state": "idle"}
    if status.get("state") in RUNNING and not is_locked(settings):
        status["state"] = "failed"  # the process that ran it died
        status["message"] = "training stopped unexpectedly"
    return status


def write_status(settings: StaffSettings, **status: Any) -> None:
    """Replace the status file whole, so a reader never sees half of it."""
    path = status_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(status))
    tmp.replace(path)


def _lock_file(settings: StaffSettings) -> IO[str]:
    settings.staff_dir.mkdir(parents=True, exist_ok=True)
    return open(settings.staff_dir / "train.lock", "a")


def acquire(settings: StaffSettings) -> IO[str]:
    """Take the lock (or raise :class:`AlreadyRunning`); pass the handle to :func:`release`."""
    handle = _lock_file(settings)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning("a training is already running") from None
    return handle


def release(handle: IO[str]) -> None:
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


def is_locked(settings: StaffSettings) -> bool:
    """Whether a training (in any process) holds the lock."""
    handle = _lock_file(settings)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        handle.close()  # closing releases our probe lock
    return False
