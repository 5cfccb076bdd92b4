"""Edits to the Rasa training data, made the way a careful person would by hand.

ruamel.yaml round-trips each file so comments, quoting and the order of
keys survive; the indentation style is detected per file because the NLU
files write top-level lists at column 0 and domain.yml/rules.yml indent them.

A teach never leaves the data broken: resident text is cleaned of characters
YAML cannot hold, every new file text is read back with Rasa's own readers
before anything is replaced, and the files one teach changes (for a new
intent: domain.yml, rules, NLU and the description) are written together or
not at all (:class:`Edit`).

Examples may be in any of the eight languages. Each language's own examples
live in ``data/nlu/lang_<code>.yml``; the other files hold English and a few
of every language (change_language.yml). A taught example goes to the file of
the language it is written in when that file holds the intent, else to a
file that is not a language's (never an English example into lang_ar.yml).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{2,40}$")
STAFF_NLU = Path("data/nlu/staff_taught.yml")
RULES = Path("data/dialogue/rules.yml")
OUT_OF_SCOPE = "out_of_scope"
DESCRIPTIONS = Path("data/staff/intents.yml")
EXAMPLE_LINE = re.compile(r"^\s*-\s+(.*)$")
LANGUAGE_FILE = re.compile(r"^lang_([a-z]{2})\.yml$")  # data/nlu/lang_pl.yml: Polish examples
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")  # [NR2](postcode) -> NR2
NO_LANGUAGE = ""  # the count of examples that carry no language ("ok", a postcode)
# Names Rasa gives a meaning to (responses, custom and form-validation actions).
RESERVED_PREFIXES = ("utter_", "action_", "validate_")
# Bidirectional overrides and isolates: invisible, and they make text read differently from what it holds.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
STAFF_NLU_HEADER = (
    'version: "3.1"\n\n# Intents and examples taught by council staff in the staff console.\n'
    "# Every change is in the console's audit log.\n\nnlu:\n"
)
DESCRIPTIONS_HEADER = "# What each staff-taught intent is for (shown in the staff console).\nintents: {}\n"


def _yaml(text: str) -> YAML:
    yaml = YAML()
    # ruamel.yaml sets these to None in __init__ without annotations, so mypy thinks they are always None
    yaml.preserve_quotes = True  # type: ignore[assignment]  # see above
    yaml.width = 4096  # type: ignore[assignment]  # see above
    first_item = re.search(r"^( *)- ", text, re.M)
    if first_item is None or first_item.group(1) == "":
        yaml.indent(mapping=2, sequence=2, offset=0)
    else:
        yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _parse(text: str, path: Path) -> Tuple[YAML, Any]:
    yaml = _yaml(text)
    try:
        return yaml, yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValueError(
            f"{path.name}{where} cannot be read, so nothing was changed. Someone must fix that file "
            "by hand first (the problem is in the file, not in what you typed)."
        ) from exc


def load(path: Path) -> tuple:
    """(yaml, data) of a file; a file that does not parse is a ValueError saying which one."""
    return _parse(path.read_text(encoding="utf-8"), path)


def render(yaml: YAML, data: Any) -> str:
    out = StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def dump(yaml: YAML, data: Any, path: Path) -> None:
    """Write one file: checked, then swapped in whole (readers and rasa train never see half a file)."""
    edit = Edit()
    edit.set(path, render(yaml, data))
    edit.commit()


# ---------------------------------------------------------------- resident text
def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def clean_text(text: str) -> str:
    """One plain line any YAML reader accepts.

    Control characters (C0, DEL, C1), lone surrogates, noncharacters, line and
    paragraph separators, byte order marks, replacement characters (U+FFFD, what is
    left of a broken character) and bidirectional overrides become spaces; runs of
    white space become one space."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if (
            category in ("Cc", "Cs", "Zl", "Zp")
            or _is_noncharacter(ord(char))
            or char in BIDI_CONTROLS
            or char in "\ufeff\ufffd"
        ):
            kept.append(" ")
        else:
            kept.append(char)
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


def clean_example(text: str) -> str:
    """One line, no YAML/markdown-entity syntax; masks like [postcode] become the word,
    which is what the pipeline's EntityPlaceholders shows the classifier anyway."""
    text = clean_text(text)
    text = re.sub(r"\[(\w+)\]", r"\1", text)
    text = re.sub(r"[\[\]()]+", " ", text)
    return " ".join(text.split())


# ---------------------------------------------------------------- writing files together
def _check_domain(text: str) -> Any:
    from rasa.shared.core.domain import Domain

    return Domain.from_yaml(text)


def _check_rules(text: str) -> Any:
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    return YAMLStoryReader().read_from_string(text)


def _check_nlu(text: str) -> Any:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    return RasaYAMLReader().reads(text)


def _check_yaml(text: str) -> Any:
    import rasa.shared.utils.io

    return rasa.shared.utils.io.read_yaml(text)


def checker(path: Path) -> Callable[[str], Any]:
    """The reader Rasa (or the console) will read this file with."""
    if path.name == "domain.yml":
        return _check_domain
    if path.parent.name == "dialogue":
        return _check_rules
    if path.parent.name == "nlu":
        return _check_nlu
    return _check_yaml


@dataclass
class Edit:
    """The files of one teach: all are checked, then all replaced, or none.

    Each new text is read back with Rasa's reader for that kind of file; then
    each goes to a temporary file beside its target; then the temporary files
    are renamed over the targets. If a rename fails, the files already
    replaced get their old contents back."""

    files: Dict[Path, str] = field(default_factory=dict)
    checks: List[Callable[[Dict[Path, Any]], None]] = field(default_factory=list)

    def set(self, path: Path, text: str) -> None:
        self.files[path] = text

    def commit(self) -> None:
        parsed: Dict[Path, Any] = {}
        for path, text in self.files.items():
            try:
                parsed[path] = checker(path)(text)
            except Exception as exc:  # Rasa's YamlException, schema errors, encoding: nothing is written
                raise ValueError(
                    f"The change would leave {path.name} unreadable, so nothing was saved. "
                    "Try removing unusual characters."
                ) from exc
        for check in self.checks:
            check(parsed)
        old = {path: (path.read_bytes() if path.exists() else None) for path in self.files}
        temps: Dict[Path, Path] = {}
        try:
            for path, text in self.files.items():
                temps[path] = _write_temp(path, text)
        except OSError as exc:
            _remove(temps.values())
            raise ValueError(
                f"Could not save the training data ({exc.strerror or exc}). Nothing was changed."
            ) from exc
        done: List[Path] = []
        try:
            for path, tmp in temps.items():
                os.replace(tmp, path)
                done.append(path)
            for directory in {p.parent for p in done}:
                _fsync_dir(directory)
        except OSError as exc:
            _remove(t for p, t in temps.items() if p not in done)
            for path in done:
                _restore(path, old[path])
            raise ValueError(
                f"Could not save the training data ({exc.strerror or exc}). Nothing was changed."
            ) from exc


def _write_temp(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
        os.chmod(tmp, mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _restore(path: Path, content: Optional[bytes]) -> None:
    """Best effort: put a replaced file back as it was (or remove a file that was new)."""
    try:
        if content is None:
            path.unlink(missing_ok=True)
            return
        tmp = Path(tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".restore")[1])
        tmp.write_bytes(content)
        tmp.replace(path)
    except OSError:
        pass


def _remove(paths: Iterable[Path]) -> None:
    for tmp in paths:
        tmp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_or(path: Path, default: str) -> Tuple[YAML, Any]:
    """A file to edit; a file that does not exist yet starts from ``default``."""
    return _parse(path.read_text(encoding="utf-8") if path.exists() else default, path)


# ---------------------------------------------------------------- reading
def nlu_files(project: Path) -> List[Path]:
    return sorted((project / "data" / "nlu").glob("*.yml"))


def examples(block: str) -> List[str]:
    return [m.group(1).strip() for line in str(block).splitlines() if (m := EXAMPLE_LINE.match(line))]


def file_language(path: Path) -> Optional[str]:
    """The language of data/nlu/lang_pl.yml ("pl"); None for a file that is not one language's."""
    found = LANGUAGE_FILE.match(path.name)
    return found.group(1) if found else None


def example_language(example: str) -> Optional[str]:
    """The language an example is written in (Lingua, :mod:`bot.nlu.language_id`), None when it
    carries none."""
    from bot.nlu.language_id import detect

    return detect(ANNOTATION.sub(r"\1", example))


# (path, inode, mtime, size) -> intent -> language -> examples. A teach replaces a file (new inode),
# so only the file that changed is read and detected again (about a millisecond an example).
_language_counts: Dict[Tuple[str, int, int, int], Dict[str, Counter]] = {}
_language_counts_lock = threading.Lock()


def _file_language_counts(path: Path) -> Dict[str, Counter]:
    info = path.stat()
    key = (str(path), info.st_ino, info.st_mtime_ns, info.st_size)
    with _language_counts_lock:
        cached = _language_counts.get(key)
    if cached is not None:
        return cached
    named = file_language(path)
    counts: Dict[str, Counter] = {}
    _, data = load(path)
    for item in (data or {}).get("nlu") or []:
        if "intent" in item:
            per = counts.setdefault(str(item["intent"]), Counter())
            for example in examples(item.get("examples", "")):
                per[named or example_language(example) or NO_LANGUAGE] += 1
    with _language_counts_lock:
        for old in [k for k in _language_counts if k[0] == key[0]]:
            del _language_counts[old]
        _language_counts[key] = counts
    return counts


def intent_language_counts(project: Path) -> Dict[str, Dict[str, int]]:
    """Intent -> language code -> number of examples, across data/nlu (NO_LANGUAGE for examples that
    carry none). A lang_<code>.yml file's examples are its language's; the others' are detected."""
    totals: Dict[str, Counter] = {}
    for path in nlu_files(project):
        for intent, per in _file_language_counts(path).items():
            totals.setdefault(intent, Counter()).update(per)
    return {intent: dict(per) for intent, per in totals.items()}


def intent_counts(project: Path) -> Dict[str, int]:
    """Intent -> number of training examples, across data/nlu."""
    counts: Dict[str, int] = {}
    for path in nlu_files(project):
        _, data = load(path)
        for item in (data or {}).get("nlu") or []:
            if "intent" in item:
                counts[item["intent"]] = counts.get(item["intent"], 0) + len(
                    examples(item.get("examples", ""))
                )
    return counts


def _names(items: Any) -> List[str]:
    """Names from a domain list or mapping (``- greet`` or ``- greet: {use_entities: []}``)."""
    if isinstance(items, dict):
        return [str(k) for k in items]
    return [str(i if isinstance(i, str) else next(iter(i))) for i in items or []]


def domain_intents(project: Path) -> List[str]:
    _, data = load(project / "domain.yml")
    return _names(data.get("intents"))


def _find_intent(project: Path, intent: str, language: Optional[str] = None) -> Optional[Path]:
    """The file to add an example of ``intent`` in ``language`` to: that language's file when it holds
    the intent, else the first file holding it that is not a language's; None when there is none."""
    holding = []
    for path in nlu_files(project):
        _, data = load(path)
        if any(item.get("intent") == intent for item in (data or {}).get("nlu") or []):
            holding.append(path)
    own = [p for p in holding if language and file_language(p) == language]
    general = [p for p in holding if file_language(p) is None]
    return (own + general + [None])[0]


# ---------------------------------------------------------------- teaching
def _has_example(parsed: Any, intent: str, example: str) -> bool:
    return any(m.get("intent") == intent and m.get("text") == example for m in parsed.intent_examples)


def add_example(project: Path, intent: str, text: str) -> Path:
    """Append one example to the intent's block, in the file of its language that holds the intent, or
    any other file that holds it and is not a language's (staff_taught.yml when none does)."""
    example = clean_example(text)
    if not example:
        raise ValueError("the example is empty")
    if intent not in domain_intents(project):
        raise ValueError(f"unknown intent {intent!r}")
    path = _find_intent(project, intent, example_language(example)) or project / STAFF_NLU
    yaml, data = _read_or(path, STAFF_NLU_HEADER)
    items = data.get("nlu")
    if items is None:
        items = data["nlu"] = CommentedSeq()
    item = next((i for i in items if i.get("intent") == intent), None)
    if item is None:
        item = CommentedMap([("intent", intent), ("examples", LiteralScalarString(""))])
        items.append(item)
    current = str(item.get("examples") or "")
    if example.lower() in (e.lower() for e in examples(current)):
        return path
    if current and not current.endswith("\n"):
        current += "\n"
    item["examples"] = LiteralScalarString(f"{current}- {example}\n")

    def written_as_typed(parsed: Dict[Path, Any]) -> None:
        if not _has_example(parsed[path], intent, example):
            raise ValueError("That example cannot be saved as it is. Try writing it more simply.")

    edit = Edit(checks=[written_as_typed])
    edit.set(path, render(yaml, data))
    edit.commit()
    return path


@dataclass
class NewIntent:
    name: str
    description: str
    answer: str
    examples: List[str]


def _rasa_reserved() -> set:
    from rasa.shared.core.constants import DEFAULT_ACTION_NAMES, DEFAULT_INTENTS

    return set(DEFAULT_INTENTS) | set(DEFAULT_ACTION_NAMES)


def name_problem(project: Path, name: str) -> Optional[str]:
    """Why ``name`` cannot be a new intent (None: it can).

    The intent brings a response ``utter_<name>`` and a rule ``<name>``: none of the
    three may exist already, so a new intent can never replace an answer the bot has
    (``iamabot`` would replace ``utter_iamabot``, the "I am a bot" disclosure)."""
    if not INTENT_NAME.match(name):
        return "Intent names are 3 to 41 lower-case letters, digits or '_', starting with a letter."
    _, domain = load(project / "domain.yml")
    intents = set(_names(domain.get("intents"))) | set(intent_counts(project)) | set(descriptions(project))
    if name in intents:
        return f"The intent {name!r} already exists. Add the example to it instead, or choose another name."
    if name in _rasa_reserved() or name.startswith(RESERVED_PREFIXES):
        return f"{name!r} is a name Rasa keeps for itself. Choose another name."
    response = f"utter_{name}"
    used = {
        "an answer": set(_names(domain.get("responses"))),
        "an action": set(_names(domain.get("actions"))) | set(_names(domain.get("forms"))),
        "an entity": set(_names(domain.get("entities"))),
        "a slot": set(_names(domain.get("slots"))),
    }
    for what, names in used.items():
        clash = next((n for n in (name, response) if n in names), None)
        if clash:
            return f"{clash!r} is already {what} of the bot, so {name!r} cannot be used. Choose another name."
    _, rules = load(project / RULES)
    if any(str(r.get("rule")) == name for r in (rules or {}).get("rules") or []):
        return f"There is already a rule called {name!r}. Choose another name."
    return None


def add_intent(project: Path, new: NewIntent) -> None:
    """A new intent: examples, domain intent + utter_<name>, a rule, and its description, in one go."""
    problem = name_problem(project, new.name)
    if problem:
        raise ValueError(problem)
    answer = clean_text(new.answer)
    cleaned = list(dict.fromkeys(e for e in (clean_example(x) for x in new.examples) if e))
    if not answer or not cleaned:
        raise ValueError("a new intent needs the bot's answer and at least one example")
    response = f"utter_{new.name}"
    edit = Edit()

    domain_path = project / "domain.yml"
    yaml, domain = load(domain_path)
    if domain.get("intents") is None:
        domain["intents"] = CommentedSeq()
    domain["intents"].append(new.name)
    if domain.get("responses") is None:
        domain["responses"] = CommentedMap()
    domain["responses"][response] = CommentedSeq([CommentedMap([("text", DoubleQuotedScalarString(answer))])])
    edit.set(domain_path, render(yaml, domain))

    rules_path = project / RULES
    yaml, rules = load(rules_path)
    rule = CommentedMap(
        [
            ("rule", new.name),
            (
                "steps",
                CommentedSeq([CommentedMap([("intent", new.name)]), CommentedMap([("action", response)])]),
            ),
        ]
    )
    if rules.get("rules") is None:
        rules["rules"] = CommentedSeq()
    rules["rules"].append(rule)
    edit.set(rules_path, render(yaml, rules))

    nlu_path = project / STAFF_NLU
    yaml, data = _read_or(nlu_path, STAFF_NLU_HEADER)
    if data.get("nlu") is None:
        data["nlu"] = CommentedSeq()
    block = "".join(f"- {e}\n" for e in cleaned)
    data["nlu"].append(CommentedMap([("intent", new.name), ("examples", LiteralScalarString(block))]))
    edit.set(nlu_path, render(yaml, data))

    desc_path = project / DESCRIPTIONS
    edit.set(desc_path, _with_description(desc_path, new.name, new.description))

    def complete(parsed: Dict[Path, Any]) -> None:
        domain_read = parsed[domain_path]
        if new.name not in domain_read.intents or response not in domain_read.responses:
            raise ValueError("The new intent could not be added to domain.yml. Nothing was saved.")
        if not all(_has_example(parsed[nlu_path], new.name, e) for e in cleaned):
            raise ValueError("Some examples cannot be saved as they are. Try writing them more simply.")

    edit.checks.append(complete)
    edit.commit()


def descriptions(project: Path) -> Dict[str, str]:
    path = project / DESCRIPTIONS
    if not path.exists():
        return {}
    _, data = load(path)
    return {str(k): str(v) for k, v in ((data or {}).get("intents") or {}).items()}


def _with_description(path: Path, intent: str, description: str) -> str:
    yaml, data = _read_or(path, DESCRIPTIONS_HEADER)
    if not data.get("intents"):
        data["intents"] = CommentedMap()
    data["intents"][intent] = clean_text(description)
    return render(yaml, data)


def set_description(project: Path, intent: str, description: str) -> None:
    """Kept outside data/nlu and domain.yml: Rasa does not read them, staff do."""
    path = project / DESCRIPTIONS
    edit = Edit()
    edit.set(path, _with_description(path, intent, description))
    edit.commit()
