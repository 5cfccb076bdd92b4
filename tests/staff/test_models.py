"""Promotion rules, roll back, the one-training-at-a-time lock and the comparison, against a fake Rasa."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Dict, List

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.staff import evaluation, promotion, training, training_status
from bot.staff.store import Store
from bot.staff.web import PREFIX
from tests.staff.conftest import StaffServer, staff_settings


class FakeRasa:
    """/status and PUT /model of Rasa's HTTP API, token checked."""

    def __init__(self, server: HTTPServer, live: str) -> None:
        self.live, self.loaded = live, []
        server.expect_request("/status").respond_with_handler(self.status)
        server.expect_request("/model", method="PUT").respond_with_handler(self.load)

    def status(self, request: Request) -> Response:
        if request.args.get("token") != "test-token":
            return Response(status=401)
        return Response(f'{{"model_file": "{self.live}"}}', content_type="application/json")

    def load(self, request: Request) -> Response:
        if request.args.get("token") != "test-token":
            return Response(status=401)
        path = request.get_json()["model_file"]
        self.loaded.append(path)
        self.live = Path(path).name
        return Response(status=204)


def scores(macro: float, per: Dict[str, float]) -> Dict:
    labels = sorted(per)
    return {
        "macro_f1": macro,
        "per_intent": per,
        "labels": labels,
        "columns": labels,
        "matrix": [[5 if i == j else 0 for j in range(len(labels))] for i in range(len(labels))],
    }


def make_models(tmp_path: Path, store: Store, f1s: List[float]) -> List[int]:
    ids = []
    for n, f1 in enumerate(f1s):
        path = tmp_path / "models" / f"m{n}.tar.gz"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"model")
        model_id = store.register_model(str(path), "alice", created=1000.0 + n)
        store.set_scores(model_id, f1, scores(f1, {"greet": f1, "bus_pass": f1 / 2}))
        ids.append(model_id)
    return ids


@pytest.fixture
def setup(tmp_path: Path, httpserver: HTTPServer) -> tuple:
    settings = staff_settings(
        tmp_path, rasa_url=httpserver.url_for("").rstrip("/"), models_dir=tmp_path / "models"
    )
    store = Store(settings.db_path)
    return settings, store


def test_a_worse_model_needs_a_second_member_of_staff(
    setup: tuple, tmp_path: Path, httpserver: HTTPServer
) -> None:
    settings, store = setup
    live, worse = make_models(tmp_path, store, [0.90, 0.80])
    rasa = FakeRasa(httpserver, "m0.tar.gz")
    result = promotion.promote(settings, store, worse, "alice")
    assert not result.promoted and result.needs_confirmation and rasa.loaded == []
    assert not promotion.promote(settings, store, worse, "alice").promoted  # asking twice is not confirming
    result = promotion.promote(settings, store, worse, "bob")
    assert result.promoted and rasa.loaded == [str(tmp_path / "models" / "m1.tar.gz")]
    log = store.audit_log()
    assert (
        log[0]["action"] == "promoted"
        and log[0]["user"] == "bob"
        and log[0]["details"]["requested_by"] == "alice"
    )
    assert log[1]["action"] == "promotion_refused" and log[1]["user"] == "alice"
    assert promotion.resolve_live(settings, store)["id"] == worse


def test_a_better_model_is_promoted_at_once_and_an_earlier_live_one_can_come_back(
    setup: tuple, tmp_path: Path, httpserver: HTTPServer
) -> None:
    settings, store = setup
    ids = make_models(tmp_path, store, [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95])
    store.mark_promoted(ids[5], "alice")  # m5 went live the usual way
    rasa = FakeRasa(httpserver, "m5.tar.gz")
    assert promotion.promote(settings, store, ids[6], "alice").promoted
    assert promotion.rollback(settings, store, ids[5], "alice").promoted  # it was live before
    assert rasa.loaded[-1].endswith("m5.tar.gz")
    with pytest.raises(ValueError, match="never been live"):
        promotion.rollback(settings, store, ids[2], "alice")
    assert [e["action"] for e in store.audit_log()[:2]] == ["rolled_back", "promoted"]


def test_comparison_lists_intents_that_rose_or_fell(setup: tuple, tmp_path: Path) -> None:
    settings, store = setup
    live, new = make_models(tmp_path, store, [0.8, 0.9])
    rows = promotion.compare(store.model(new), store.model(live))
    assert [(r["intent"], round(r["change"], 2)) for r in rows] == [("bus_pass", 0.05), ("greet", 0.1)]
    assert promotion.is_worse(store.model(live), store.model(new)) and not promotion.is_worse(
        store.model(new), store.model(live)
    )


def test_only_one_training_at_a_time(setup: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, store = setup
    release, started = threading.Event(), threading.Event()

    def fake_run(job: training.Job) -> int:
        job._set(state="training", by=job.user, stage="nlu", progress=30)
        started.set()
        release.wait(10)
        job._set(state="done", progress=100)
        return 1

    monkeypatch.setattr(training.Job, "run", fake_run)
    finished = threading.Event()
    training.start_training(settings, store, "alice", background=True, on_done=finished.set)
    assert started.wait(5)
    assert training_status.read_status(settings)["state"] == "training"
    with pytest.raises(training.AlreadyRunning):
        training.start_training(settings, store, "bob", background=True)
    release.set()
    assert finished.wait(5)
    assert training_status.read_status(settings)["state"] == "done"
    training.start_training(settings, store, "bob", background=False)  # free again


def test_a_crashed_training_is_not_shown_as_running(setup: tuple) -> None:
    settings, _ = setup
    training_status.write_status(settings, state="training", progress=40)
    assert training_status.read_status(settings)["state"] == "failed"


def test_model_page_shows_comparison_picture_and_table(server: StaffServer, tmp_path: Path) -> None:
    store = Store(server.staff.db_path)
    (model_id,) = make_models(tmp_path, store, [0.7])
    png = evaluation.confusion_png(server.staff, model_id)
    png.parent.mkdir(parents=True, exist_ok=True)
    png.write_bytes(b"\x89PNG fake")
    s = server.session("alice")
    page = s.get(f"{server.url}{PREFIX}/models/{model_id}").text
    assert (
        "Confusion matrix as a table" in page
        and '<th scope="row">greet</th><td class="num">0</td><td class="num">5</td>' in page
    )
    assert f'src="{PREFIX}/models/{model_id}/confusion.png"' in page and "Promote" in page
    image = s.get(f"{server.url}{PREFIX}/models/{model_id}/confusion.png")
    assert image.headers["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")
    listing = s.get(f"{server.url}{PREFIX}/models").text
    assert "Retrain the assistant" in listing and "m0.tar.gz" in listing
    assert replace(server.staff).db_path == server.staff.db_path


def test_cli_promote_refuses_a_worse_model_until_someone_else_confirms(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    import subprocess

    from bot.settings import PROJECT_ROOT
    from tests.support.cli import run_module

    store = Store(tmp_path / "staff" / "staff.db")
    live, worse = make_models(tmp_path, store, [0.9, 0.8])
    store.mark_promoted(live, "alice")
    rasa = FakeRasa(httpserver, "m0.tar.gz")
    env = {
        "PATH": "/usr/bin:/bin",
        "STAFF_DB": str(tmp_path / "staff" / "staff.db"),
        "RASA_TOKEN": "test-token",
        "RASA_URL": httpserver.url_for("").rstrip("/"),
        "STAFF_MODELS_DIR": str(tmp_path / "models"),
        "SIGNPOST_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(PROJECT_ROOT),
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_module("bot.staff.cli", "staff", *args, env=env, timeout=60)

    refused = cli("promote", str(worse), "--by", "alice")
    assert refused.returncode == 2 and "Another member of staff" in refused.stdout and rasa.loaded == []
    assert cli("promote", str(worse), "--by", "bob").returncode == 0 and rasa.loaded[-1].endswith("m1.tar.gz")
    assert cli("rollback", "1", "--by", "bob").returncode == 0 and rasa.loaded[-1].endswith("m0.tar.gz")
