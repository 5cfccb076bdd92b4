"""End to end in Debian's Chromium: teach, retrain, compare, promote, ask the live bot, roll back.

Runs ONE real ``rasa train`` (about 2-4 minutes on 2 cores) on a copy of the
project, against a Rasa server of its own serving a copy of the shipped
model: promoting changes only that server, so this test runs in any order,
alone or with the rest, and no other test ever meets its model.
"""

from __future__ import annotations

import re
import shutil
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from bot.runner import Stack
from bot.staff.live_model import STAFF_MODEL_PREFIX
from bot.staff.store import Store
from tests.staff.conftest import PASSWORD, StaffServer, copy_project, serving, staff_settings
from tests.support.stack import MODELS, Conversation, sample_stack

pytestmark = pytest.mark.stack

BUS = "where do i apply for a bus pass for my mum"  # out_of_scope at 0.47 with the shipped model
TABLET = "my tablet keeps going dark and i cant make it stay on"  # device_basics at 0.95
ANSWER = "You can apply for a free bus pass on the council website. A helper can show you how to fill it in."
MORE = """how do i get a bus pass
apply for a bus pass
bus pass application
my bus pass has run out how do i renew it
where can i renew my bus pass
can i get a free bus pass
older persons bus pass
how do i replace a lost bus pass"""
TRAIN_TIMEOUT = 540


def live_name(stack: Stack) -> str:
    return requests.get(f"{stack.rasa_url}/status", params={"token": stack.token}, timeout=10).json()[
        "model_file"
    ]


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[Stack]:
    """An action server and a Rasa server for this test alone, serving a copy of the shipped model."""
    shipped = [p for p in MODELS.glob("*.tar.gz") if not p.name.startswith(STAFF_MODEL_PREFIX)]
    if not shipped:
        pytest.fail("no trained model in models/: run `make train` (make test does)")
    models = tmp_path / "models"
    models.mkdir()
    newest = max(shipped, key=lambda p: p.stat().st_mtime)
    shutil.copy(newest, models / newest.name)
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    running = sample_stack(var_dir, "retrain-token", model=models, web=False)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
def console(own_stack: Stack, tmp_path: Path) -> Iterator[StaffServer]:
    copy_project(tmp_path / "project")
    settings = replace(
        staff_settings(tmp_path),
        rasa_url=own_stack.rasa_url,
        rasa_token=own_stack.token,
        tracker_db=own_stack.settings.tracker_db,
        inbox_threshold=0.99,  # review anything under 99 % here
    )
    assert settings.models_dir == tmp_path / "models"  # where own_stack's model is, and new ones go
    with serving(settings, sample_inbox=False) as server:
        yield server


def sign_in(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/staff/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=re.compile("^Inbox")).wait_for()


def test_teach_retrain_compare_promote_ask_and_roll_back(
    own_stack: Stack, console: StaffServer, chromium_browser: Any
) -> None:
    stack = own_stack
    url = console.url
    resident = Conversation(stack.rasa_url, f"staff-e2e-{uuid.uuid4().hex}")
    resident.say(BUS)
    resident.say(TABLET)
    original = live_name(stack)

    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    sign_in(page, url, "alice")

    # an existing intent
    page.get_by_role("link", name=TABLET).first.click()
    page.get_by_role("heading", name="The conversation").wait_for()
    page.get_by_label("Intent", exact=True).select_option("device_basics")
    page.get_by_role("button", name="Add to this intent").click()
    assert "Added to device_basics" in page.locator("#flash").inner_text()

    # a new intent with its answer
    page.get_by_role("link", name=BUS).first.click()
    page.get_by_label("New intent name").fill("bus_pass")
    page.get_by_label("Description").fill("Residents asking how to get or renew a bus pass")
    page.get_by_label("The bot's answer").fill(ANSWER)
    page.get_by_label("More examples").fill(MORE)
    page.get_by_role("button", name="Create intent").click()
    assert "Created intent bus_pass" in page.locator("#flash").inner_text()
    project = console.staff.project_dir
    assert (
        "- my tablet keeps going dark and i cant make it stay on"
        in (project / "data/nlu/signposting.yml").read_text()
    )
    assert "utter_bus_pass" in (project / "domain.yml").read_text()

    # retrain with visible progress; a second start is refused
    page.get_by_role("link", name="Models and retraining").click()
    started = time.monotonic()
    page.get_by_role("button", name="Retrain the assistant").click()
    page.locator("progress").wait_for()
    assert "Training started by alice" in page.locator("#training-status").inner_text()
    s = console.session("bob")
    token = s.get(f"{url}/staff/").text.split('name="csrf" value="')[1].split('"')[0]
    assert s.post(f"{url}/staff/api/retrain", headers={"X-CSRF-Token": token}).status_code == 409
    # the page refreshes itself every 3 s while training; wait for its final state
    page.locator("#training-status", has_text="Last training").wait_for(timeout=TRAIN_TIMEOUT * 1000)
    trained = time.monotonic() - started
    assert "done" in page.locator("#training-status").inner_text(), page.locator(
        "#training-status"
    ).inner_text()

    # the comparison
    page.get_by_role("link", name="See how it compares").click()
    page.get_by_role("heading", name="Compared with the live model").wait_for()
    assert page.locator("img[alt^='Confusion matrix']").evaluate("img => img.naturalWidth") > 100
    assert page.get_by_text("Confusion matrix as a table").count() == 1
    model_url = page.url.split("?")[0]

    # promote (a second person confirms when the new model scores lower on the held-out file)
    page.get_by_role("button", name=re.compile("^Promote")).click()
    confirmed_by_bob = False
    if "must confirm" in page.content():
        bob = chromium_browser.new_context().new_page()
        sign_in(bob, url, "bob")
        bob.goto(model_url)
        bob.get_by_role("button", name="Confirm promotion (second member of staff)").click()
        assert "is live" in bob.locator("#flash").inner_text()
        bob.context.close()
        confirmed_by_bob = True
    else:
        assert "is live" in page.locator("#flash").inner_text()
    to_live = time.monotonic() - started
    assert live_name(stack) != original

    # the live bot knows the new question
    asker = Conversation(stack.rasa_url, f"staff-e2e-ask-{uuid.uuid4().hex}")
    assert ANSWER in Conversation.texts(asker.say(BUS))

    # roll back to the original model from the console
    store = Store(console.staff.db_path)
    original_id = next(m["id"] for m in store.recent_models(10) if Path(m["path"]).name == original)
    page.goto(f"{url}/staff/models")
    page.get_by_role("button", name=f"Make live (roll back) to model {original_id}").click()
    assert "is live again" in page.locator("#flash").inner_text()
    assert live_name(stack) == original
    again = Conversation(stack.rasa_url, f"staff-e2e-after-{uuid.uuid4().hex}")
    assert ANSWER not in Conversation.texts(again.say(BUS))
    actions = [e["action"] for e in store.audit_log()]
    for action in (
        "teach_intent",
        "teach_new_intent",
        "retrain_started",
        "retrain_finished",
        "promoted",
        "rolled_back",
    ):
        assert action in actions
    context.close()
    print(
        f"\nretrain-to-live: trained and evaluated in {trained:.0f} s, live after {to_live:.0f} s "
        f"(second person confirmed: {confirmed_by_bob}); training log {console.staff.staff_dir / 'train.log'}"
    )
