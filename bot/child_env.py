"""The environment a child process of ours gets, written once.

bot/process.env lists what every process runs with (no Rasa telemetry, quiet
TensorFlow and SQLAlchemy); the Makefile includes the same file for the
commands it runs itself. :func:`child_env` adds those, and the project on
``PYTHONPATH`` so the custom NLU components and ``bot`` import, to the
environment it is given: the runner's supervised programs and the staff
console's training and evaluation both start from it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Dict, Mapping, Optional

from bot.settings import PROJECT_ROOT

PROCESS_ENV = Path(__file__).with_name("process.env")


@lru_cache(maxsize=1)
def process_env() -> Dict[str, str]:
    """bot/process.env's ``KEY=VALUE`` lines (comments and blank lines skipped)."""
    found: Dict[str, str] = {}
    for line in PROCESS_ENV.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    return found


def child_env(
    code_root: Path = PROJECT_ROOT, overrides: Optional[Mapping[str, str]] = None
) -> Dict[str, str]:
    """This process's environment and ``overrides``, then bot/process.env, and ``code_root`` on PYTHONPATH."""
    return {**os.environ, **(overrides or {}), **process_env(), "PYTHONPATH": str(code_root)}
