"""Run a command the way an operator types it: ``python -m ...`` in a child process of its own."""

from __future__ import annotations

import subprocess
import sys
from typing import Mapping, Optional

from bot.settings import PROJECT_ROOT


def run_module(
    module: str, *args: str, env: Mapping[str, str], stdin: Optional[str] = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` from the project root with exactly ``env``; its text output is captured.

    A child process, not a call, so the command's own start-up (settings,
    file permissions, exit codes) is what the test sees.
    """
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_ROOT,
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
