"""The inbox (tracker store -> masked, grouped messages) and Teach (edits to the training data)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from bot.settings import PROJECT_ROOT
from bot.staff import inbox, training_data
from bot.staff.store import Store
from bot.staff.web import PREFIX
from tests.staff.conftest import SAMPLE, StaffServer, csrf_of, seed_tracker, staff_settings, user_event
from tests.support.cli import run_module


def test_mask_hides_postcodes_phones_emails_and_tagged_entities() -> None:
    assert inbox.mask("help in NR2 3PQ or nr5 please") == "help in [postcode] or [postcode] please"
    assert inbox.mask("ring 07700 900123 or +44 1603 212121") == "ring [phone] or [phone]"
    assert inbox.mask("mail jo.bloggs@example.org") == "mail [email]"
    tagged = [{"entity": "person", "start": 8, "end": 19}, {"entity": "place", "start": 23, "end": 30}]
    assert inbox.mask("this is Jane Bloggs in Earlham", tagged) == "this is [name] in [place]"
    assert inbox.mask("windows 10 on my laptop") == "windows 10 on my laptop"


def test_not_understood_reads_fallbacks_and_low_confidence_newest_first(tmp_path: Path) -> None:
    ids = seed_tracker(tmp_path / "tracker.db", SAMPLE)
    found = inbox.not_understood(tmp_path / "tracker.db", 0.45, exclude=set())
    assert [m.event_id for m in found] == [
        ids[4],
        ids[3],
        ids[1],
    ]  # not the 0.98 one, not the /affirm payload
    assert found[2].masked == "how do i renew my bus pass near [postcode]"
    assert found[2].intent == "council_services" and found[2].fallback  # the runner-up, not nlu_fallback
    assert found[0].masked == "email me at [email] or ring [phone]"
    assert inbox.not_understood(tmp_path / "tracker.db", 0.45, exclude={ids[4]})[0].event_id == ids[3]
    assert inbox.not_understood(tmp_path / "missing.db", 0.45, set()) == []


def test_similar_messages_are_grouped(tmp_path: Path) -> None:
    seed_tracker(tmp_path / "t.db", SAMPLE)
    groups = inbox.group(inbox.not_understood(tmp_path / "t.db", 0.45, set()))
    assert [len(g.messages) for g in groups] == [1, 2]
    assert {m.masked for m in groups[1].messages} == {
        "how do i renew my bus pass near [postcode]",
        "renew my bus pass please",
    }


def test_conversation_around_a_message_is_masked(tmp_path: Path) -> None:
    ids = seed_tracker(tmp_path / "t.db", SAMPLE)
    turns = inbox.conversation(tmp_path / "t.db", "r1", ids[1])
    assert [t["who"] for t in turns] == ["bot", "resident", "bot"]
    assert turns[1]["current"] and "[postcode]" in turns[1]["text"]
    assert "NR2 3PQ" in inbox.conversation(tmp_path / "t.db", "r1", ids[1], reveal=True)[1]["text"]


def test_round_trip_keeps_every_file_byte_for_byte(project: Path) -> None:
    for path in [
        project / "domain.yml",
        project / "data/dialogue/rules.yml",
        *training_data.nlu_files(project),
    ]:
        before = path.read_text()
        yaml, data = training_data.load(path)
        training_data.dump(yaml, data, path)
        assert path.read_text() == before, path


def test_add_example_appends_to_the_intents_own_file_keeping_comments(project: Path) -> None:
    path = project / "data/nlu/signposting.yml"
    before = path.read_text()
    assert training_data.add_example(project, "device_basics", "my tablet goes dark near [postcode]") == path
    after = path.read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["    - my tablet goes dark near postcode"]
    assert [line for line in before.splitlines() if line.lstrip().startswith("#")] == [
        line for line in after.splitlines() if line.lstrip().startswith("#")
    ]
    count = training_data.intent_counts(project)["device_basics"]
    training_data.add_example(project, "device_basics", "My tablet goes dark near postcode")  # duplicate
    assert training_data.intent_counts(project)["device_basics"] == count
    with pytest.raises(ValueError):
        training_data.add_example(project, "no_such_intent", "hello")


def test_new_intent_adds_examples_domain_response_rule_and_description(project: Path) -> None:
    domain_before = (project / "domain.yml").read_text()
    training_data.add_intent(
        project,
        training_data.NewIntent(
            "bus_pass",
            "Residents asking about bus passes",
            "You can apply for a bus pass on the council website.",
            ["how do i renew my bus pass", "bus pass (renewal)"],
        ),
    )
    domain = (project / "domain.yml").read_text()
    assert "  - bus_pass\n" in domain and domain.startswith(domain_before.split("intents:")[0])
    assert '  utter_bus_pass:\n    - text: "You can apply for a bus pass on the council website."\n' in domain
    assert "# Intents: the contract" in domain
    rules = (project / "data/dialogue/rules.yml").read_text()
    assert rules.endswith(
        "  - rule: bus_pass\n    steps:\n      - intent: bus_pass\n      - action: utter_bus_pass\n"
    )
    taught = (project / "data/nlu/staff_taught.yml").read_text()
    assert (
        "- intent: bus_pass\n  examples: |\n    - how do i renew my bus pass\n    - bus pass renewal\n"
        in taught
    )
    assert training_data.descriptions(project) == {"bus_pass": "Residents asking about bus passes"}
    assert training_data.intent_counts(project)["bus_pass"] == 2
    with pytest.raises(ValueError, match="already exists"):
        training_data.add_intent(project, training_data.NewIntent("bus_pass", "", "x", ["y"]))
    with pytest.raises(ValueError):
        training_data.add_intent(project, training_data.NewIntent("Bad Name", "", "x", ["y"]))
    # Rasa itself reads the result
    from rasa.shared.core.domain import Domain
    from rasa.shared.nlu.training_data.loading import load_data

    assert "utter_bus_pass" in Domain.load(str(project / "domain.yml")).responses
    assert "bus_pass" in load_data(str(project / "data/nlu")).intents


def test_teach_from_the_console_edits_data_hides_the_message_and_is_audited(server: StaffServer) -> None:
    s = server.session("alice")
    messages = s.get(f"{server.url}{PREFIX}/api/inbox").json()
    flat = [m for g in messages for m in g]
    target = next(m for m in flat if m["text"].startswith("how do i renew"))
    detail = s.get(f"{server.url}{PREFIX}/inbox/{target['event_id']}")
    assert "[postcode]" in detail.text and "NR2 3PQ" not in detail.text
    token = csrf_of(detail.text)
    response = s.post(
        f"{server.url}{PREFIX}/inbox/{target['event_id']}/teach",
        allow_redirects=False,
        data={"csrf": token, "action": "intent", "intent": "council_services", "example": target["text"]},
    )
    assert response.status_code == 303
    assert (
        "- how do i renew my bus pass near postcode"
        in (server.staff.project_dir / "data/nlu/signposting.yml").read_text()
    )
    other = next(m for m in flat if m["text"].startswith("email me"))
    s.post(
        f"{server.url}{PREFIX}/inbox/{other['event_id']}/teach",
        data={"csrf": token, "action": "out_of_scope", "example": other["text"]},
    )
    assert (
        "- email me at email or ring phone"
        in (server.staff.project_dir / "data/nlu/out_of_scope.yml").read_text()
    )
    remaining = [m["event_id"] for g in s.get(f"{server.url}{PREFIX}/api/inbox").json() for m in g]
    assert target["event_id"] not in remaining and other["event_id"] not in remaining
    log = Store(server.staff.db_path).audit_log()
    teach = [entry for entry in log if entry["action"].startswith("teach_")]
    assert [(t["user"], t["action"]) for t in teach] == [
        ("alice", "teach_out_of_scope"),
        ("alice", "teach_intent"),
    ]
    assert teach[1]["details"]["intent"] == "council_services" and teach[1]["at"] > 0
    page = s.get(f"{server.url}{PREFIX}/audit").text
    assert "teach_intent" in page and "council_services" in page
    intents = s.get(f"{server.url}{PREFIX}/intents")
    assert intents.status_code == 200 and "device_basics" in intents.text


def run_cli(settings_root: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "STAFF_DB": str(settings_root / "staff" / "staff.db"),
        "STAFF_PROJECT_DIR": str(settings_root / "project"),
        "TRACKER_DB": str(settings_root / "tracker.db"),
        "SIGNPOST_VAR_DIR": str(settings_root / "var"),
        "RASA_URL": "http://127.0.0.1:9",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    return run_module("bot.staff.cli", "staff", *args, env=env, stdin=stdin, timeout=60)


def test_cli_adds_users_from_stdin_and_teaches(tmp_path: Path, project: Path) -> None:
    done = run_cli(tmp_path, "add-user", "carol", stdin="a long enough password\n")
    assert done.returncode == 0, done.stderr
    assert run_cli(tmp_path, "add-user", "dave", stdin="short\n").returncode == 1
    assert run_cli(tmp_path, "users").stdout.split() == ["carol"]
    stored = Store(tmp_path / "staff" / "staff.db").password_hash("carol")
    assert stored.startswith("$argon2id$") and "a long enough password" not in stored
    ids = seed_tracker(tmp_path / "tracker.db", SAMPLE)
    assert '"renew my bus pass please"' in run_cli(tmp_path, "inbox").stdout
    for command in (
        ["intent", "--event-id", str(ids[3]), "--intent", "council_services", "--by", "carol"],
        ["new_intent", "--name", "bin_day", "--answer", "Check your bin day online."]
        + ["--example", "when are my bins collected", "--more", "what day is bin day"],
    ):
        done = run_cli(tmp_path, "teach", *command)
        assert done.returncode == 0, done.stderr
    assert "- renew my bus pass please" in (project / "data/nlu/signposting.yml").read_text()
    assert "utter_bin_day" in (project / "domain.yml").read_text()
    assert '"teach_new_intent"' in run_cli(tmp_path, "audit").stdout


def test_the_widget_pages_still_work(server: StaffServer) -> None:
    assert requests.get(f"{server.url}/health").json() == {"status": "ok"}
    assert staff_settings(Path("/x")).inbox_threshold == 0.45
    assert user_event("s", "t", "greet", 1.0, 1.0)["type_name"] == "user"
