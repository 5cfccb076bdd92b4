"""Every word a resident reads lives in domain.yml or the message catalogue (docs/wording.md).

These tests read the code rather than run it: no sentence is written in
actions/, the channels or the widget; every catalogue key and domain
response the code names exists, and every one that exists is used.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterator, List, Set, Tuple

import pytest
from babel.messages.extract import extract_from_dir
from ruamel.yaml import YAML

from bot.directory.vocabulary import ACCESSIBILITY, BOOKING
from bot.needs import NEEDS
from bot.settings import PROJECT_ROOT
from bot.telegram.handlers import COMMAND_NAMES
from bot.wording import catalogue, domain_text, sync

# Code that residents' words could hide in: the actions, the channels' own text, opening hours,
# the needs' names, the widget.
PYTHON = [
    *sorted((PROJECT_ROOT / "actions").glob("*.py")),
    *sorted((PROJECT_ROOT / "bot" / "telegram").glob("*.py")),
    *sorted((PROJECT_ROOT / "bot" / "wording").glob("*.py")),
    PROJECT_ROOT / "bot" / "channels" / "refusals.py",
    PROJECT_ROOT / "bot" / "channels" / "rest.py",
    PROJECT_ROOT / "bot" / "channels" / "output.py",
    PROJECT_ROOT / "bot" / "contact.py",
    PROJECT_ROOT / "bot" / "web" / "pages.py",
    PROJECT_ROOT / "bot" / "directory" / "hours.py",
    PROJECT_ROOT / "bot" / "needs.py",
]
WIDGET = PROJECT_ROOT / "bot" / "web" / "static" / "widget.js"

# Calls whose strings are for people running the service, not residents.
NOT_FOR_RESIDENTS = {
    "logger",
    "logging",
    "print",
    "RuntimeError",
    "ValueError",
    "TelegramConfigError",
    "RasaUnavailable",
    "MissingWording",
    "add_argument",
    "add_parser",
    "json",
}
# Strings that look like sentences but are not said to residents, each with its reason.
ALLOWED = {
    # bot/channels/rest.py: error codes and messages for programs calling the API
    # (the text field is a refusal)
    "characters, the same for every message of one conversation",
    "send Rasa's API token as Authorization: Bearer TOKEN",
    "Rasa is still starting",
    "this tracker store cannot forget",
    "the conversation is busy; try again",
    # bot/web/pages.py: the demo page's Content-Security-Policy header
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'",
    # bot/directory/hours.py: why the directory loaders reject a row's hours, for the people loading it
    "not valid opening_hours syntax",
}
# bot/wording/sync.py: the note atop a translation catalogue, for translators
ALLOWED.add(sync.HEADER.strip())
SENTENCE = re.compile(r"[A-Za-z']{2,}[,.]? [A-Za-z']{2,} [A-Za-z']{2,}")


def _docstrings(tree: ast.AST) -> Set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _call_name(call: ast.Call) -> str:
    func = call.func
    while isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id in NOT_FOR_RESIDENTS:
            return func.value.id
        if func.attr in NOT_FOR_RESIDENTS:
            return func.attr
        func = func.value
    return func.id if isinstance(func, ast.Name) else ""


def _not_for_residents(tree: ast.AST) -> Set[int]:
    """Strings inside log calls, prints, exceptions and argparse help."""
    skip: Set[int] = set()
    for node in ast.walk(tree):
        inside = (isinstance(node, ast.Call) and _call_name(node) in NOT_FOR_RESIDENTS) or isinstance(
            node, ast.Raise
        )
        if inside:
            skip.update(id(n) for n in ast.walk(node))
    return skip


def sentences_in_python(path: Path) -> Iterator[Tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree) | _not_for_residents(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value.strip()
            if SENTENCE.search(text) and text not in ALLOWED:
                yield node.lineno, text


def sentences_in_javascript(path: Path) -> Iterator[Tuple[int, str]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        code = line.split("//")[0] if not line.lstrip().startswith('"') else line  # the CSS lines are strings
        for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', code):
            # Sentences start with a capital letter; CSS, selectors and attribute names do not.
            if re.match(r"[A-Z][a-z]+[,.]? ", literal) and SENTENCE.search(literal):
                yield number, literal


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_sentence_is_written_in_python(path: Path) -> None:
    found = list(sentences_in_python(path))
    assert found == [], "say it with a domain.yml response or a catalogue message (docs/wording.md)"


def test_no_sentence_is_written_in_the_widget() -> None:
    found = [
        (n, s) for n, s in sentences_in_javascript(WIDGET) if not s.startswith("Signpost: load widget.js")
    ]
    assert found == [], "the widget's words come from the catalogue (widget.* messages)"


def test_every_allowed_string_is_still_there() -> None:
    constants = {
        n.value.strip()
        for path in PYTHON
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }
    assert sorted(ALLOWED - constants) == []


def test_the_scans_find_a_sentence(tmp_path: Path) -> None:
    """The two scans above catch what they are for (a scan that finds nothing proves nothing)."""
    python = tmp_path / "sample.py"
    python.write_text(
        "def f(d):\n    logger.info('Could not do the thing now')\n"
        "    d.utter_message(text='Where are you now?')\n",
        encoding="utf-8",
    )
    assert [s for _, s in sentences_in_python(python)] == ["Where are you now?"]
    js = tmp_path / "sample.js"
    js.write_text(
        'var css = ".a{font:1em/1.5 system-ui,sans-serif}";\nvar t = { close: "Close the chat now" };\n'
    )
    assert [s for _, s in sentences_in_javascript(js)] == ["Close the chat now"]


# ---------- every key and response named exists, and every one that exists is used ----------


def keys_in_code() -> Set[str]:
    """Catalogue keys named literally in _("...") and _n("...") calls (Babel's own extractor)."""
    found: Set[str] = set()
    for folder in (PROJECT_ROOT / "bot", PROJECT_ROOT / "actions"):
        for _filename, _line, message, _comments, _context in extract_from_dir(
            folder, keywords={"_": None, "_n": (1,)}, directory_filter=lambda d: "node_modules" not in d
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def keys_made_from_data() -> Set[str]:
    """Keys the code builds from vocabularies.

    One per need, access feature, booking value and Telegram command.
    """
    return (
        {f"need.{i}" for i in NEEDS}
        | {f"feature.{f}" for f in ACCESSIBILITY}
        | {f"booking.{b}" for b in BOOKING}
        | {f"telegram.command.{c}" for c in COMMAND_NAMES}
    )


def widget_keys() -> Set[str]:
    return {f"widget.{name}" for name in re.findall(r"\bt\.(\w+)", WIDGET.read_text(encoding="utf-8"))}


def test_every_catalogue_key_used_exists() -> None:
    words = catalogue("en")
    known = words.keys | words.plural_keys
    used = keys_in_code() | keys_made_from_data() | widget_keys()
    assert sorted(used - known) == []


def test_every_catalogue_key_is_used() -> None:
    words = catalogue("en")
    used = keys_in_code() | keys_made_from_data() | widget_keys() | {"widget.welcome"}
    assert sorted((words.keys | words.plural_keys) - used) == [], "remove messages nothing says"


def domain_responses() -> dict:
    return YAML(typ="safe").load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def responses_named(paths: List[Path]) -> Set[str]:
    names = {n for path in paths for n in re.findall(r"\butter_[a-z_]+\b", path.read_text(encoding="utf-8"))}
    return names - {"utter_message"}  # rasa-sdk's method


def test_every_response_the_code_names_exists() -> None:
    code = (
        sorted((PROJECT_ROOT / "actions").glob("*.py")) + PYTHON + [PROJECT_ROOT / "bot" / "web" / "pages.py"]
    )
    named = responses_named(code)
    assert named, "the scan found no response at all"
    assert sorted(named - set(domain_responses())) == []


def test_every_response_is_said_by_a_rule_or_an_action() -> None:
    """Rasa's validator only knows responses used in rules and stories; actions and channels use the rest."""
    dialogue = sorted((PROJECT_ROOT / "data" / "dialogue").glob("*.yml"))
    used = responses_named(dialogue + sorted((PROJECT_ROOT / "actions").glob("*.py")) + PYTHON)
    assert sorted(set(domain_responses()) - used) == []


def test_placeholders_of_responses_are_plain_names() -> None:
    """Rasa fills {name} from the action's values; a translator's typo would show braces to a resident."""
    for name, variations in domain_responses().items():
        for variation in variations:
            for placeholder in re.findall(r"{([^{}]*)}", variation.get("text", "")):
                assert re.fullmatch(r"[a-z_]+", placeholder), (name, placeholder)


def test_channels_read_domain_messages() -> None:
    assert domain_text("utter_what_help") == domain_responses()["utter_what_help"][0]["text"]


# ---------- the catalogue itself ----------


def test_an_unknown_key_is_an_error_not_a_key_shown_to_a_resident() -> None:
    from bot.wording import MissingWording, _

    with pytest.raises(MissingWording):
        _("no.such.message")


def test_distances_in_words() -> None:
    from actions.formatting import miles

    assert [miles(d) for d in (0.05, 0.43, 1.0, 1.04, 2.5, 9.97, 12.3)] == [
        "less than 0.1 miles",
        "0.4 miles",
        "1 mile",
        "1 mile",
        "2.5 miles",
        "10 miles",
        "12 miles",
    ]


def test_a_partly_translated_language_falls_back_to_english_message_by_message(tmp_path: Path) -> None:
    from bot.wording import Catalogue, _read

    po = tmp_path / "signpost.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: cy\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "widget.send"\nmsgstr "Anfon"\n\nmsgid "widget.close"\nmsgstr ""\n',
        encoding="utf-8",
    )
    english = catalogue("en")
    translations, locale, keys, plurals = _read(po, english.translations)
    welsh = Catalogue("cy", locale, translations, keys | english.keys, plurals | english.plural_keys)
    assert welsh.text("widget.send") == "Anfon"
    assert welsh.text("widget.close") == "Close"  # not translated yet
    assert (
        str(welsh.locale) == "cy" and welsh.join(["a", "b"]) == "a a(c) b"
    )  # Welsh list words, from Babel (CLDR)
