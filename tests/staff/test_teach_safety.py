"""Teaching never breaks the training data (issue 13, item 2).

Control characters are cleaned, every file is read back with Rasa's readers
before it replaces the old one, a new intent's files are written together or
not at all, and names that exist or that Rasa keeps are refused.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

import pytest
import requests
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.loading import load_data
from rasa.validator import Validator

from bot.staff import training_data
from bot.staff.web import PREFIX
from tests.staff.conftest import StaffServer, csrf_of, seed_tracker, user_event
from tests.staff.test_inbox_and_teach import run_cli

# What a browser can send (lone surrogates cannot travel as UTF-8: the CLI test has them).
NASTY = "my \x00screen\x1b[31m \x07goes\x7f dark\x9b\ufffe \ufdd0now\x85 \u2028\u202eplease\x0c end\U0010ffff"
NASTY_CLEAN = "my screen 31m goes dark now please end"  # "[31m": the brackets go, as for any entity syntax


def watched(project: Path) -> List[Path]:
    return [
        project / "domain.yml",
        project / training_data.RULES,
        *training_data.nlu_files(project),
        project / training_data.STAFF_NLU,
        project / training_data.DESCRIPTIONS,
    ]


def snapshot(project: Path) -> Dict[Path, bytes | None]:
    return {p: (p.read_bytes() if p.exists() else None) for p in watched(project)}


def rasa_validates(project: Path) -> None:
    """What ``rasa data validate --fail-on-warnings`` checks, in process; plus each file read on its own."""
    domain = Domain.load(str(project / "domain.yml"))
    YAMLStoryReader(domain).read_from_file(project / training_data.RULES)
    load_data(str(project / "data" / "nlu"))
    importer = TrainingDataImporter.load_from_config(
        str(project / "config.yml"),
        str(project / "domain.yml"),
        [str(project / "data" / "nlu"), str(project / "data" / "dialogue")],
    )
    validator = Validator.from_importer(importer)
    assert validator.verify_domain_validity()
    assert validator.verify_actions_in_stories_rules()
    assert validator.verify_intents_in_stories(ignore_warnings=False)
    assert validator.verify_utterances_in_stories(ignore_warnings=False)
    assert validator.verify_intents(ignore_warnings=False)
    assert validator.verify_story_structure(ignore_warnings=False)


def no_temp_files(project: Path) -> bool:
    return not [p for p in project.rglob(".*") if p.suffix in (".tmp", ".restore")]


def test_control_characters_from_the_console_are_cleaned_and_rasa_reads_every_file(
    server: StaffServer,
) -> None:
    project = server.staff.project_dir
    s = server.session("alice")
    token = csrf_of(s.get(f"{server.url}{PREFIX}/").text)
    teach = f"{server.url}{PREFIX}/inbox/2/teach"
    added = s.post(
        teach,
        allow_redirects=False,
        data={"csrf": token, "action": "intent", "intent": "device_basics", "example": NASTY},
    )
    assert added.status_code == 303 and "kind=error" not in added.headers["Location"]
    assert f"    - {NASTY_CLEAN}\n" in (project / "data/nlu/signposting.yml").read_text(encoding="utf-8")
    created = s.post(
        f"{server.url}{PREFIX}/inbox/3/teach",
        allow_redirects=False,
        data={
            "csrf": token,
            "action": "new_intent",
            "name": "bus_pass",
            "description": "bus\x00 passes\x1b",
            "answer": "Apply on the council\x07 website.\x9b",
            "example": "bus pass\x00 please",
            "more": "renew my\x1b bus pass\nlost\x7f my bus pass\ufffe",
        },
    )
    assert created.status_code == 303 and "kind=error" not in created.headers["Location"], created.headers
    domain = Domain.load(str(project / "domain.yml"))
    assert domain.responses["utter_bus_pass"] == [{"text": "Apply on the council website."}]
    nlu = load_data(str(project / "data" / "nlu"))
    assert {m.get("text") for m in nlu.intent_examples if m.get("intent") == "bus_pass"} == {
        "bus pass please",
        "renew my bus pass",
        "lost my bus pass",
    }
    assert training_data.descriptions(project) == {"bus_pass": "bus passes"}
    rasa_validates(project)
    # and the console goes on working: another teach, the Intents page
    again = s.post(
        teach,
        allow_redirects=False,
        data={"csrf": token, "action": "intent", "intent": "device_basics", "example": "my tablet is dark"},
    )
    assert "kind=error" not in again.headers["Location"]
    assert s.get(f"{server.url}{PREFIX}/intents").status_code == 200
    assert no_temp_files(project)


def test_lone_surrogates_and_noncharacters_from_the_tracker_are_cleaned_by_the_cli(
    tmp_path: Path, project: Path
) -> None:
    # json.dumps writes a lone surrogate as the escape \ud800, which Rasa's tracker store can hold.
    (event_id,) = seed_tracker(
        tmp_path / "tracker.db",
        [user_event("r9", "help with my \ud800tablet\uffff \x1b please", "nlu_fallback", 0.2, 50.0)],
    )
    done = run_cli(
        tmp_path, "teach", "intent", "--event-id", str(event_id), "--intent", "device_basics", "--by", "carol"
    )
    assert done.returncode == 0, done.stderr
    assert "    - help with my tablet please\n" in (project / "data/nlu/signposting.yml").read_text(
        encoding="utf-8"
    )
    load_data(str(project / "data" / "nlu"))


@pytest.mark.parametrize(
    "name, why",
    [
        ("iamabot", "'utter_iamabot' is already an answer"),  # would replace the "I am a bot" disclosure
        ("greet", "already exists"),
        ("out_of_scope", "already exists"),
        ("nlu_fallback", "Rasa keeps"),
        ("session_start", "Rasa keeps"),
        ("restart", "Rasa keeps"),
        ("back", "Rasa keeps"),
        ("action_listen", "Rasa keeps"),
        ("utter_anything", "Rasa keeps"),
        ("action_find_help", "Rasa keeps"),
        ("postcode", "already an entity"),
        ("location_label", "already a slot"),
        ("bin_day", "already a rule"),
        ("Bin Day", "lower-case"),
    ],
)
def test_a_new_intent_may_not_take_a_name_that_exists_or_that_rasa_keeps(
    project: Path, name: str, why: str
) -> None:
    rules = project / training_data.RULES
    rules.write_text(
        rules.read_text() + "\n  - rule: bin_day\n    steps:\n      - intent: greet\n"
        "      - action: utter_greet\n"
    )
    before = snapshot(project)
    with pytest.raises(ValueError, match=why):
        training_data.add_intent(project, training_data.NewIntent(name, "", "An answer.", ["an example"]))
    assert snapshot(project) == before


def teach_new_intent(server: StaffServer, name: str, answer: str, example: str) -> requests.Response:
    """Alice, signed in to the console, teaches a new intent from inbox message 2."""
    s = server.session("alice")
    token = csrf_of(s.get(f"{server.url}{PREFIX}/").text)
    fields = {"csrf": token, "action": "new_intent", "name": name, "answer": answer, "example": example}
    return s.post(f"{server.url}{PREFIX}/inbox/2/teach", data=fields)


def test_the_console_refuses_iamabot_and_keeps_the_bot_disclosure(server: StaffServer) -> None:
    project = server.staff.project_dir
    refused = teach_new_intent(server, "iamabot", "I am a person.", "are you real")
    assert (
        refused.status_code == 200
        and "utter_iamabot" in refused.text
        and "Choose another name" in refused.text
    )
    assert (
        Domain.load(str(project / "domain.yml"))
        .responses["utter_iamabot"][0]["text"]
        .startswith("I'm an automated assistant")
    )


def test_a_new_intent_is_written_whole_or_not_at_all(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(project)
    real_replace, calls = os.replace, []

    def failing_third(src: str, dst: str) -> None:  # the disk fills up after two of the four files
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_third)
    new = training_data.NewIntent(
        "bus_pass", "Bus passes", "Apply on the council website.", ["bus pass please"]
    )
    with pytest.raises(ValueError, match="Nothing was changed"):
        training_data.add_intent(project, new)
    monkeypatch.setattr(os, "replace", real_replace)
    assert len(calls) == 3
    assert snapshot(project) == before and no_temp_files(project)
    training_data.add_intent(project, new)  # a retry is not told "already exists"
    assert "utter_bus_pass" in Domain.load(str(project / "domain.yml")).responses
    rasa_validates(project)


def test_a_broken_file_stops_the_teach_before_anything_is_written(server: StaffServer) -> None:
    project = server.staff.project_dir
    taught = project / training_data.STAFF_NLU
    taught.write_text('version: "3.1"\nnlu:\n- intent: x\n  examples: |\n    - a\x00b\n', encoding="utf-8")
    before = snapshot(project)
    with pytest.raises(ValueError, match="staff_taught.yml .*cannot be read"):
        training_data.add_intent(
            project, training_data.NewIntent("bus_pass", "", "An answer.", ["an example"])
        )
    assert snapshot(project) == before
    # in the console: a plain message, not a server error
    page = teach_new_intent(server, "bus_pass", "An answer.", "bus pass")
    assert page.status_code == 200 and "cannot be read" in page.text and "nothing was changed" in page.text
    assert snapshot(project) == before


def test_a_text_rasa_cannot_read_never_replaces_a_file(project: Path) -> None:
    domain = project / "domain.yml"
    before = domain.read_bytes()
    edit = training_data.Edit()
    edit.set(domain, before.decode() + "\nresponses: [not, a, mapping]\n")
    edit.set(project / training_data.RULES, "rules:\n  - rule: x\n    steps:\n      - intent: greet\n")
    with pytest.raises(ValueError, match="domain.yml unreadable, so nothing was saved"):
        edit.commit()
    assert domain.read_bytes() == before
    assert "rule: x\n" not in (project / training_data.RULES).read_text()


def test_the_inbox_shows_a_message_with_broken_characters(server: StaffServer) -> None:
    (event_id,) = seed_tracker(
        server.staff.tracker_db,
        [user_event("r8", "my \ud800tablet \x00\x1b[2J is dark", "nlu_fallback", 0.2, 400.0)],
    )
    s = server.session("alice")
    listing = s.get(f"{server.url}{PREFIX}/")
    assert listing.status_code == 200 and "tablet" in listing.text
    detail = s.get(f"{server.url}{PREFIX}/inbox/{event_id}")
    assert detail.status_code == 200 and "my \ufffdtablet" in detail.text
    assert 'name="example" value="my tablet 2J is dark"' in detail.text  # what Teach would write
    assert s.get(f"{server.url}{PREFIX}/inbox/{event_id}?reveal=1").status_code == 200
