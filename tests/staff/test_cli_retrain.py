"""``python -m bot staff retrain`` when the status no longer names the model it trained."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.staff import cli, training_status
from tests.staff.conftest import staff_settings


def test_retrain_says_plainly_when_its_model_cannot_be_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = staff_settings(tmp_path)
    log = tmp_path / "train.log"

    def start_training(settings_: Any, store: Any, user: str, **_: Any) -> SimpleNamespace:
        # another training began as ours let go of the lock: the status names no model yet
        training_status.write_status(settings_, state="training", model_id=None)
        return SimpleNamespace(log_path=log)

    monkeypatch.setattr(cli, "load", lambda: settings)
    monkeypatch.setattr(cli.training, "start_training", start_training)

    assert cli._retrain(argparse.Namespace(by="alice", finetune=False)) == 1
    err = capsys.readouterr().err
    assert "its model could not be found" in err and str(log) in err
    assert "Traceback" not in err
