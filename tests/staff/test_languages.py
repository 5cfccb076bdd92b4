"""The console in every language: the inbox shows each message's language, staff teach examples in any
language (each to its language's file), and the Intents page counts examples per language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.staff import inbox, training_data
from bot.staff.web import PREFIX
from tests.staff.conftest import csrf_of, seed_tracker, serving, staff_settings, user_event

POLISH = "Gdzie mogę uzyskać pomoc z komputerem?"
ARABIC = "أحتاج مساعدة في استخدام الحاسوب المحمول"
ARABIC_TAUGHT = "أريد أن أتعلم كيف أستخدم الحاسوب"
POLISH_TAUGHT = "Potrzebuję pomocy z laptopem, proszę"
URDU_WITH_ZWNJ = "مجھے کمپیوٹر\u200cکی مدد چاہیے"  # a zero-width non-joiner belongs to the word


def language_entity(text: str, code: str) -> dict:
    """What the LanguageDetector adds: the whole message, value the code."""
    return {
        "entity": "language",
        "start": 0,
        "end": len(text),
        "value": code,
        "extractor": "LanguageDetector",
    }


def small_language_files(project: Path) -> None:
    """Replace the copied lang_ files with two small ones, so the test does not depend on their contents."""
    for path in (project / "data/nlu").glob("lang_*.yml"):
        path.unlink()
    (project / "data/nlu/lang_pl.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: device_basics\n  examples: |\n    - mój laptop nie działa\n'
        "    - tak\n",
        encoding="utf-8",
    )
    (project / "data/nlu/lang_ar.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: device_basics\n  examples: |\n    - الحاسوب لا يعمل\n',
        encoding="utf-8",
    )


def test_the_language_entity_is_shown_not_masked() -> None:
    text = "gdzie jest biblioteka NR2 4EE"
    entities = [language_entity(text, "pl"), {"entity": "postcode", "start": 22, "end": 29}]
    assert inbox.mask(text, entities) == "gdzie jest biblioteka [postcode]"
    assert inbox.tagged_language({"entities": entities}) == "pl"
    assert inbox.tagged_language({"entities": [{"entity": "language", "value": "xx"}]}) is None


def test_old_messages_without_the_entity_are_detected_when_shown(tmp_path: Path) -> None:
    ids = seed_tracker(
        tmp_path / "t.db",
        [
            user_event(
                "a", POLISH, "nlu_fallback", 0.2, 1.0, ranking=[{"name": "nlu_fallback", "confidence": 0.2}]
            ),
            user_event("b", ARABIC, "get_device", 0.3, 2.0),
            user_event("c", "ok NR2", "affirm", 0.3, 3.0),
            user_event("d", "help", "greet", 0.3, 4.0, entities=[language_entity("help", "cy")]),
        ],
    )
    found = inbox.with_languages(inbox.not_understood(tmp_path / "t.db", 0.45, set()))
    assert {m.event_id: m.language for m in found} == {ids[0]: "pl", ids[1]: "ar", ids[2]: None, ids[3]: "cy"}
    assert inbox.message(tmp_path / "t.db", ids[1]).language == "ar"  # type: ignore[union-attr]


def test_another_tracker_database_with_the_same_event_ids_gets_its_own_languages(tmp_path: Path) -> None:
    """Detected languages are remembered by event id and time, not id alone (ids repeat across databases)."""
    for name, text, expected, sent in (("one.db", POLISH, "pl", 1.0), ("two.db", ARABIC, "ar", 2.0)):
        ids = seed_tracker(tmp_path / name, [user_event("a", text, "nlu_fallback", 0.2, sent)])
        found = inbox.with_languages(inbox.not_understood(tmp_path / name, 0.45, set()))
        assert [(m.event_id, m.language) for m in found] == [(ids[0], expected)]


def test_each_example_goes_to_its_languages_file(project: Path) -> None:
    small_language_files(project)
    assert (
        training_data.add_example(project, "device_basics", POLISH_TAUGHT) == project / "data/nlu/lang_pl.yml"
    )
    assert (
        training_data.add_example(project, "device_basics", ARABIC_TAUGHT) == project / "data/nlu/lang_ar.yml"
    )
    assert (
        training_data.add_example(project, "device_basics", URDU_WITH_ZWNJ)
        == project / "data/nlu/signposting.yml"
    )
    english = training_data.add_example(project, "device_basics", "my tablet screen stays black")
    assert english == project / "data/nlu/signposting.yml"  # never into a language's file
    assert f"    - {POLISH_TAUGHT}\n" in (project / "data/nlu/lang_pl.yml").read_text(encoding="utf-8")
    assert f"    - {ARABIC_TAUGHT}\n" in (project / "data/nlu/lang_ar.yml").read_text(encoding="utf-8")
    assert f"    - {URDU_WITH_ZWNJ}\n" in (project / "data/nlu/signposting.yml").read_text(encoding="utf-8")


def test_examples_are_counted_per_language(project: Path) -> None:
    small_language_files(project)
    before = training_data.intent_language_counts(project)["device_basics"]
    assert before["pl"] == 2  # a lang_ file's examples are its language's, "tak" too
    assert before["ar"] == 1 and before["en"] > 20
    training_data.add_intent(
        project,
        training_data.NewIntent(
            "bus_pass", "", "Ask the council.", [POLISH_TAUGHT, ARABIC, "how do I renew my bus pass", "ok"]
        ),
    )
    counts = training_data.intent_language_counts(project)
    assert counts["bus_pass"] == {"pl": 1, "ar": 1, "en": 1, training_data.NO_LANGUAGE: 1}
    assert counts["device_basics"] == before
    assert sum(counts["device_basics"].values()) == training_data.intent_counts(project)["device_basics"]


def test_console_shows_languages_and_teaches_polish_and_arabic(tmp_path: Path, project: Path) -> None:
    small_language_files(project)
    settings = staff_settings(tmp_path)
    with serving(settings) as server:
        polish_id, arabic_id = seed_tracker(
            Path(settings.tracker_db),
            [
                user_event("p", POLISH, "nlu_fallback", 0.2, 400.0, entities=[language_entity(POLISH, "pl")]),
                user_event("a", ARABIC, "get_device", 0.3, 401.0),  # stored before the LanguageDetector
            ],
        )
        s = server.session("alice")
        page = s.get(f"{server.url}{PREFIX}/").text
        assert (
            f'<td dir="auto" lang="pl"><a href="{PREFIX}/inbox/{polish_id}">{POLISH}</a></td><td>Polish</td>'
            in page
        )
        assert (
            f'<td dir="auto" lang="ar"><a href="{PREFIX}/inbox/{arabic_id}">{ARABIC}</a></td><td>Arabic</td>'
            in page
        )
        assert "[language]" not in page
        api = {
            m["event_id"]: m["language"] for g in s.get(f"{server.url}{PREFIX}/api/inbox").json() for m in g
        }
        assert api[polish_id] == "pl" and api[arabic_id] == "ar"

        detail = s.get(f"{server.url}{PREFIX}/inbox/{arabic_id}").text
        assert (
            f'<span dir="auto" lang="ar">{ARABIC}</span>' in detail
            and "Language: <strong>Arabic</strong>" in detail
        )
        assert f'value="{ARABIC}" dir="auto"' in detail
        taught = s.post(
            f"{server.url}{PREFIX}/inbox/{arabic_id}/teach",
            data={"csrf": csrf_of(detail), "action": "intent", "intent": "device_basics", "example": ARABIC},
            allow_redirects=False,
        )
        assert taught.status_code == 303
        assert f"    - {ARABIC}\n" in (project / "data/nlu/lang_ar.yml").read_text(encoding="utf-8")

        detail = s.get(f"{server.url}{PREFIX}/inbox/{polish_id}").text
        more = "Nie umiem włączyć laptopa\nJak naprawić komputer?\nżółć gęślą jaźń"
        taught = s.post(
            f"{server.url}{PREFIX}/inbox/{polish_id}/teach",
            data={
                "csrf": csrf_of(detail),
                "action": "new_intent",
                "name": "computer_repair",
                "description": "Naprawa komputera",
                "answer": "Ask a library.",
                "example": POLISH,
                "more": more,
            },
            allow_redirects=False,
        )
        assert taught.status_code == 303, taught.text
        staff_file = (project / "data/nlu/staff_taught.yml").read_text(encoding="utf-8")
        for line in [POLISH, *more.splitlines()]:
            assert f"    - {line}\n" in staff_file

        intents = s.get(f"{server.url}{PREFIX}/intents").text
        row = re.search(r'<tr><th scope="row">computer_repair</th>.*?</tr>', intents)
        assert row and "<td>Polish 4</td>" in row.group(0), row
        row = re.search(r'<tr><th scope="row">device_basics</th>.*?</tr>', intents)
        assert row and "Polish 2" in row.group(0) and "Arabic 2" in row.group(0)
        totals = re.search(r'<table id="examples-by-language">.*?</table>', intents, re.S)
        assert totals and '<th scope="row">Arabic</th><td class="num">' in totals.group(0)
        api_intents = s.get(f"{server.url}{PREFIX}/api/intents").json()
        by_name = {r["intent"]: dict(r["languages"]) for r in api_intents["intents"]}
        assert by_name["computer_repair"] == {"pl": 4}


@pytest.mark.parametrize("text", [POLISH, ARABIC, URDU_WITH_ZWNJ])
def test_cleaning_keeps_every_letter_of_other_scripts(text: str) -> None:
    assert training_data.clean_example(text) == text
