"""The console's children (rasa train, the evaluation).

They run in the project with our environment, and stop when the console does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.staff import children
from tests.staff.conftest import staff_settings

SHOW_AND_WAIT = (
    "import os, time; print(os.getcwd()); print(os.environ['PYTHONPATH'], flush=True); time.sleep(60)"
)


def test_a_child_runs_in_the_project_and_stops_when_the_console_does(tmp_path: Path) -> None:
    settings = staff_settings(tmp_path)
    settings.project_dir.mkdir()
    command = [sys.executable, "-c", SHOW_AND_WAIT]
    with children.started(settings, command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        cwd, python_path = process.stdout.readline().strip(), process.stdout.readline().strip()
        children.stop_all()  # what the web process does as it shuts down
        assert process.wait(timeout=20) != 0  # stopped, long before its minute was up
    process.stdout.close()
    assert Path(cwd) == settings.project_dir.resolve()
    assert python_path == str(settings.code_root)
