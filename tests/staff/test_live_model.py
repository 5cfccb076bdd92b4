"""Which model a (re)start serves: the one staff made live, never merely the newest file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.staff import live_model
from bot.staff.settings import StaffSettings
from bot.staff.store import Store
from tests.staff.conftest import staff_settings


def _model(folder: Path, name: str, age_hours: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"not read here")
    stamp = time.time() - age_hours * 3600
    os.utime(path, (stamp, stamp))
    return path


def _project(root: Path, age_hours: float) -> None:
    (root / "project" / "data" / "nlu").mkdir(parents=True)
    for name in ("config.yml", "domain.yml", "data/nlu/nlu.yml"):
        path = root / "project" / name
        path.write_text("version: '3.1'\n")
        stamp = time.time() - age_hours * 3600
        os.utime(path, (stamp, stamp))


@pytest.fixture
def settings(tmp_path: Path) -> StaffSettings:
    """Training data last edited 10 hours ago: older than every model these tests make."""
    _project(tmp_path, age_hours=10)
    return staff_settings(tmp_path)


def test_fresh_clone_serves_the_model_make_trained_and_records_it(settings: StaffSettings) -> None:
    first = _model(settings.models_dir, "20261201-120000-first.tar.gz", age_hours=5)
    _model(settings.models_dir, "staff-20261202-120000.tar.gz", age_hours=1)  # a candidate, not reviewed
    store = Store(settings.db_path)

    chosen = live_model.choose(settings, store)

    assert chosen.path == first.resolve() and chosen.notes == []
    assert [Path(m["path"]).name for m in store.promoted_models()] == [first.name]
    assert live_model.choose(settings, store).path == first.resolve(), "the next start agrees"


def test_the_last_promoted_or_rolled_back_model_wins_over_newer_files(settings: StaffSettings) -> None:
    store = Store(settings.db_path)
    older = _model(settings.models_dir, "staff-a.tar.gz", age_hours=4)
    newer = _model(settings.models_dir, "staff-b.tar.gz", age_hours=3)
    _model(settings.models_dir, "staff-c.tar.gz", age_hours=2)  # trained, refused as worse
    _model(settings.models_dir, "20261203-000000-dev.tar.gz", age_hours=1)  # `make train` by a developer
    older_id, newer_id = store.register_model(str(older), "alice"), store.register_model(str(newer), "alice")
    store.mark_promoted(older_id, "alice")
    store.mark_promoted(newer_id, "alice")
    assert live_model.choose(settings, store).path == newer
    store.mark_promoted(older_id, "bob")  # a roll back
    assert live_model.choose(settings, store).path == older


def test_a_missing_live_file_falls_back_to_the_previous_live_model_and_says_so(
    settings: StaffSettings,
) -> None:
    store = Store(settings.db_path)
    before = _model(settings.models_dir, "staff-a.tar.gz", age_hours=4)
    gone = _model(settings.models_dir, "staff-b.tar.gz", age_hours=3)
    store.mark_promoted(store.register_model(str(before), "alice"), "alice")
    store.mark_promoted(store.register_model(str(gone), "alice"), "alice")
    gone.unlink()
    chosen = live_model.choose(settings, store)
    assert chosen.path == before
    assert any("staff-b.tar.gz is missing" in note for note in chosen.notes)


def test_training_data_newer_than_the_live_model_is_pointed_out(tmp_path: Path) -> None:
    settings = staff_settings(tmp_path)
    _project(tmp_path, age_hours=1)
    _model(settings.models_dir, "20261201-first.tar.gz", age_hours=5)
    chosen = live_model.choose(settings, Store(settings.db_path))
    assert chosen.path is not None
    assert any("retrain" in note and "staff console" in note for note in chosen.notes)


def test_no_model_at_all_says_how_to_train(tmp_path: Path) -> None:
    settings = staff_settings(tmp_path)
    _project(tmp_path, age_hours=1)
    chosen = live_model.choose(settings, Store(settings.db_path))
    assert chosen.path is None and "make train" in chosen.notes[0]
