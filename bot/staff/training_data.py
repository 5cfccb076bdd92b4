"""Edits to the Rasa training data, made the way a careful person would by hand.

ruamel.yaml round-trips each file so comments, quoting and the order of
keys survive; the indentation style is detected per file because the NLU
files write top-level lists at column 0 and domain.yml/rules.yml indent them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any, Dict, List, Optional

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{2,40}$")
STAFF_NLU = Path("data/nlu/staff_taught.yml")
OUT_OF_SCOPE = "out_of_scope"
DESCRIPTIONS = Path("data/staff/intents.yml")
EXAMPLE_LINE = re.compile(r"^\s*-\s+(.*)$")


def _yaml(text: str) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    first_item = re.search(r"^( *)- ", text, re.M)
    if first_item is None or first_item.group(1) == "":
        yaml.indent(mapping=2, sequence=2, offset=0)
    else:
        yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load(path: Path) -> tuple:
    text = path.read_text(encoding="utf-8")
    yaml = _yaml(text)
    return yaml, yaml.load(text)


def dump(yaml: YAML, data: Any, path: Path) -> None:
    out = StringIO()
    yaml.dump(data, out)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(out.getvalue(), encoding="utf-8")
    tmp.replace(path)  # readers (and rasa train) never see half a file


def clean_example(text: str) -> str:
    """One line, no YAML/markdown-entity syntax; masks like [postcode] become the word,
    which is what the pipeline's EntityPlaceholders shows the classifier anyway."""
    text = re.sub(r"\[(\w+)\]", r"\1", text)
    text = re.sub(r"[\[\]()\r\n]+", " ", text)
    return " ".join(text.split())


def nlu_files(project: Path) -> List[Path]:
    return sorted((project / "data" / "nlu").glob("*.yml"))


def examples(block: str) -> List[str]:
    return [m.group(1).strip() for line in str(block).splitlines() if (m := EXAMPLE_LINE.match(line))]


def intent_counts(project: Path) -> Dict[str, int]:
    """Intent -> number of training examples, across data/nlu."""
    counts: Dict[str, int] = {}
    for path in nlu_files(project):
        _, data = load(path)
        for item in (data or {}).get("nlu") or []:
            if "intent" in item:
                counts[item["intent"]] = counts.get(item["intent"], 0) + len(examples(item.get("examples", "")))
    return counts


def domain_intents(project: Path) -> List[str]:
    _, data = load(project / "domain.yml")
    return [i if isinstance(i, str) else next(iter(i)) for i in data.get("intents") or []]


def _find_intent(project: Path, intent: str) -> Optional[Path]:
    for path in nlu_files(project):
        _, data = load(path)
        if any(item.get("intent") == intent for item in (data or {}).get("nlu") or []):
            return path
    return None


def add_example(project: Path, intent: str, text: str) -> Path:
    """Append one example to the intent's block, in whichever file already holds it."""
    example = clean_example(text)
    if not example:
        raise ValueError("the example is empty")
    if intent not in domain_intents(project):
        raise ValueError(f"unknown intent {intent!r}")
    path = _find_intent(project, intent) or _new_nlu_file(project)
    yaml, data = load(path)
    items = data.setdefault("nlu", CommentedSeq())
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
    dump(yaml, data, path)
    return path


def _new_nlu_file(project: Path) -> Path:
    path = project / STAFF_NLU
    if not path.exists():
        path.write_text(
            'version: "3.1"\n\n# Intents and examples taught by council staff in the staff console.\n'
            "# Every change is in the console's audit log.\n\nnlu:\n",
            encoding="utf-8",
        )
    return path


@dataclass
class NewIntent:
    name: str
    description: str
    answer: str
    examples: List[str]


def add_intent(project: Path, new: NewIntent) -> None:
    """A new intent: examples, domain intent + utter_<name>, a rule, and its description."""
    if not INTENT_NAME.match(new.name):
        raise ValueError("intent names are 3-41 lower-case letters, digits or '_', starting with a letter")
    if new.name in domain_intents(project):
        raise ValueError(f"intent {new.name!r} already exists")
    answer = " ".join(new.answer.split())
    cleaned = [e for e in (clean_example(x) for x in new.examples) if e]
    if not answer or not cleaned:
        raise ValueError("a new intent needs the bot's answer and at least one example")
    response = f"utter_{new.name}"

    yaml, domain = load(project / "domain.yml")
    domain["intents"].append(new.name)
    responses = domain.setdefault("responses", CommentedMap())
    responses[response] = CommentedSeq([CommentedMap([("text", DoubleQuotedScalarString(answer))])])
    dump(yaml, domain, project / "domain.yml")

    rules_path = project / "data" / "dialogue" / "rules.yml"
    yaml, rules = load(rules_path)
    rule = CommentedMap([
        ("rule", new.name),
        ("steps", CommentedSeq([CommentedMap([("intent", new.name)]), CommentedMap([("action", response)])])),
    ])
    rules["rules"].append(rule)
    dump(yaml, rules, rules_path)

    path = _new_nlu_file(project)
    yaml, data = load(path)
    items = data.get("nlu")
    if items is None:
        items = data["nlu"] = CommentedSeq()
    block = "".join(f"- {e}\n" for e in dict.fromkeys(cleaned))
    items.append(CommentedMap([("intent", new.name), ("examples", LiteralScalarString(block))]))
    dump(yaml, data, path)

    set_description(project, new.name, new.description)


def descriptions(project: Path) -> Dict[str, str]:
    path = project / DESCRIPTIONS
    if not path.exists():
        return {}
    _, data = load(path)
    return dict((data or {}).get("intents") or {})


def set_description(project: Path, intent: str, description: str) -> None:
    """Kept outside data/nlu and domain.yml: Rasa does not read them, staff do."""
    path = project / DESCRIPTIONS
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("# What each staff-taught intent is for (shown in the staff console).\nintents: {}\n",
                        encoding="utf-8")
    yaml, data = load(path)
    if not data.get("intents"):
        data["intents"] = CommentedMap()
    data["intents"][intent] = " ".join(description.split())
    dump(yaml, data, path)
