"""Roll back only to a model that was live before (issue 13, item 3): never round the two-person rule."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from pytest_httpserver import HTTPServer

from bot.staff import auth, promotion
from bot.staff.store import Store
from bot.staff.web import PREFIX
from tests.staff.conftest import PASSWORD, StaffServer, csrf_of, staff_settings
from tests.staff.test_models import FakeRasa, make_models


@pytest.fixture
def console(tmp_path: Path, project: Path, httpserver: HTTPServer) -> Iterator[StaffServer]:
    settings = replace(staff_settings(tmp_path), rasa_url=httpserver.url_for("").rstrip("/"))
    store = Store(settings.db_path)
    auth.add_user(store, "alice", PASSWORD)
    running = StaffServer(settings).start()
    yield running
    running.stop()


def flash_of(response_location: str) -> tuple:
    query = parse_qs(urlparse(response_location).query)
    return query["msg"][0], query.get("kind", ["ok"])[0]


def test_a_model_that_was_never_live_cannot_be_rolled_back_to(
    console: StaffServer, tmp_path: Path, httpserver: HTTPServer
) -> None:
    store = Store(console.staff.db_path)
    live, worse = make_models(tmp_path, store, [0.9, 0.5])
    store.mark_promoted(live, "alice")
    rasa = FakeRasa(httpserver, "m0.tar.gz")
    s = console.session("alice")
    token = csrf_of(s.get(f"{console.url}{PREFIX}/models").text)
    refused = s.post(
        f"{console.url}{PREFIX}/models/{worse}/rollback", data={"csrf": token}, allow_redirects=False
    )
    message, kind = flash_of(refused.headers["Location"])
    assert kind == "error" and f"Model {worse} has never been live" in message and "Promote" in message
    assert rasa.loaded == [] and rasa.live == "m0.tar.gz"
    assert "rolled_back" not in [e["action"] for e in store.audit_log()]
    with pytest.raises(ValueError, match="There is no model 99"):
        promotion.rollback(console.staff, store, 99, "alice")


def test_the_models_that_were_live_can_come_back(
    console: StaffServer, tmp_path: Path, httpserver: HTTPServer
) -> None:
    settings, store = console.staff, Store(console.staff.db_path)
    shipped = tmp_path / "models" / "shipped.tar.gz"
    shipped.parent.mkdir(parents=True, exist_ok=True)
    shipped.write_bytes(b"model")
    rasa = FakeRasa(httpserver, "shipped.tar.gz")
    first = promotion.resolve_live(settings, store)  # the model live when the console first looked
    (better,) = make_models(tmp_path, store, [0.9])
    assert promotion.promote(settings, store, better, "alice").promoted
    assert promotion.rollback(settings, store, first["id"], "alice").promoted
    assert rasa.live == "shipped.tar.gz"
    assert promotion.rollback(settings, store, better, "alice").promoted  # promoted earlier: it was live
    assert rasa.live == "m0.tar.gz"
    assert [e["action"] for e in store.audit_log()[:3]] == ["rolled_back", "rolled_back", "promoted"]


def test_promote_in_the_console_goes_back_to_the_model_with_what_happened(
    console: StaffServer, tmp_path: Path, httpserver: HTTPServer
) -> None:
    store = Store(console.staff.db_path)
    live, worse, better = make_models(tmp_path, store, [0.8, 0.5, 0.9])
    store.mark_promoted(live, "alice")
    rasa = FakeRasa(httpserver, "m0.tar.gz")
    s = console.session("alice")
    token = csrf_of(s.get(f"{console.url}{PREFIX}/models").text)

    def promote(model_id: int) -> tuple:
        answer = s.post(
            f"{console.url}{PREFIX}/models/{model_id}/promote", data={"csrf": token}, allow_redirects=False
        )
        return urlparse(answer.headers["Location"]).path, flash_of(answer.headers["Location"])

    page, (message, kind) = promote(worse)  # worse than the live one: a second member of staff must confirm
    assert page == f"{PREFIX}/models/{worse}" and kind == "error" and message
    assert rasa.loaded == []
    page, (message, kind) = promote(better)
    assert page == f"{PREFIX}/models/{better}" and kind == "ok" and message
    assert rasa.live == "m2.tar.gz"
    page, (message, kind) = promote(99)  # no such model: said plainly on the page asked for
    assert page == f"{PREFIX}/models/99" and kind == "error" and "no model 99" in message
