"""Retention runs while the service is up: every job, even when one of them fails."""

from __future__ import annotations

import os
import time
from pathlib import Path

from bot import maintenance
from bot.conversations import tracker_engine
from bot.settings import load
from tests.staff.conftest import seed_tracker, user_event

DAY = 86400.0


def _settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load(
        {
            "SIGNPOST_VAR_DIR": str(tmp_path),
            "CONVERSATION_RETENTION_DAYS": "30",
            "DIRECTORY_URL": f"sqlite:///{tmp_path / 'directory.db'}",
        }
    )


def test_one_round_deletes_old_conversations_and_logs_and_keeps_recent_ones(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    now = time.time()
    seed_tracker(
        settings.tracker_db,
        [
            user_event("old", "i need a laptop", "need_device", 0.9, now - 40 * DAY),
            user_event("recent", "i need a laptop", "need_device", 0.9, now - 2 * DAY),
        ],
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "rasa.log").write_text("today\n")
    old_log = logs / "rasa.log.1"
    old_log.write_text("long ago\n")
    os.utime(old_log, (now - 40 * DAY, now - 40 * DAY))

    done = dict(maintenance.run_once(settings, now=now))

    assert done["log files"] == 1 and not old_log.exists() and (logs / "rasa.log").exists()
    with tracker_engine(settings.tracker_db).connect() as connection:
        senders = {row[0] for row in connection.exec_driver_sql("SELECT sender_id FROM events")}
    assert senders == {"recent"}


def test_an_idle_live_log_is_emptied_in_place_not_deleted(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    now = time.time()
    logs = tmp_path / "logs"
    logs.mkdir()
    live = logs / "web.log"
    live.write_text("old lines\n")
    os.utime(live, (now - 40 * DAY, now - 40 * DAY))
    with open(live, "ab") as held_open:  # as supervisord holds it
        assert maintenance.purge_logs(settings, now) == 1
        held_open.write(b"new line\n")
        held_open.flush()
    assert live.read_bytes() == b"new line\n", "a deleted file would have swallowed the new line"


def test_a_failing_job_does_not_stop_the_others(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(tmp_path)
    ran = []

    def broken(settings, now):  # type: ignore[no-untyped-def]
        raise RuntimeError("database is locked: SELECT ... WHERE sender_id='secret'")

    def counted(settings, now):  # type: ignore[no-untyped-def]
        ran.append(now)
        return 3

    jobs = [maintenance.Job("broken", broken), maintenance.Job("counted", counted)]
    assert maintenance.run_once(settings, jobs, now=1.0) == [("counted", 3)]
    assert ran == [1.0]
    assert "broken failed: RuntimeError" in caplog.text and "secret" not in caplog.text
