"""``python -m bot impact report`` and ``purge`` as an operator runs them."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path

from bot.directory.db import make_engine
from bot.impact import report
from bot.impact.store import ImpactStore
from bot.settings import PROJECT_ROOT
from tests.impact.conftest import seed
from tests.support.cli import run_module


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIRECTORY_URL": url, "PYTHONPATH": str(PROJECT_ROOT)}
    return run_module("bot", "impact", *args, env=env)


def test_report_csv_text_and_purge(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'directory.db'}"
    engine = make_engine(url)
    seed(ImpactStore(engine))
    done = run(url, "report", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["week", "channel", "need", "outcode", "count", "unmet", "language"]
    assert done.stdout == report.to_csv(report.build(engine))
    only = list(
        csv.reader(
            io.StringIO(
                run(url, "report", "--from", "2025-11-17", "--to", "2025-11-23", "--format", "csv").stdout
            )
        )
    )
    assert {r[0] for r in only[1:]} == {"2025-11-17"}
    text = run(url, "report").stdout
    assert "Needs by week" in text and "Unmet need" in text and "PE30" in text
    assert run(url, "report", "--from", "20/11/2025").returncode == 2
    purged = run(url, "purge", "--days", "1")
    assert purged.returncode == 0 and "Deleted 19 impact rows" in purged.stdout
    assert report.build(engine).figures == []
