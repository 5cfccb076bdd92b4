"""Catalogues a test writes itself, so tests of choosing a language do not wait on translators."""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

import bot.wording as wording


def _po(language: str, entries: Dict[str, str]) -> str:
    def quoted(text: str) -> str:
        return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    header = (
        'msgid ""\nmsgstr ""\n'
        f'"Language: {language}\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
    )
    return header + "".join(f'msgid "{quoted(k)}"\nmsgstr "{quoted(v)}"\n\n' for k, v in entries.items())


@contextmanager
def written_catalogues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, languages: Dict[str, Dict[str, str]]
) -> Iterator[None]:
    """The real English catalogue and, for each of ``languages``, a catalogue of just the given entries."""
    locale = tmp_path / "locale"
    shutil.copytree(wording.LOCALE_DIR / "en", locale / "en")
    for language, entries in languages.items():
        folder = locale / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / f"{wording.DOMAIN}.po").write_text(_po(language, entries), encoding="utf-8")
    monkeypatch.setattr(wording, "LOCALE_DIR", locale)
    wording.catalogue.cache_clear()
    try:
        yield
    finally:
        monkeypatch.undo()
        wording.catalogue.cache_clear()


def _pattern(template: str) -> "re.Pattern[str]":
    """A response's text with each {placeholder} matching anything."""
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile("(?s)" + ".*".join(re.escape(part) for part in parts) + "$")


def response_patterns(language: str) -> Dict[str, "re.Pattern[str]"]:
    """Each domain response's text in ``language`` (its catalogue's, else domain.yml's English).

    Responses that are only placeholders ("{places}") are left out: they would match any text.
    """
    from ruamel.yaml import YAML

    from bot.settings import PROJECT_ROOT
    from bot.wording.sync import response_key

    responses = YAML(typ="safe").load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    words = wording.catalogue(language)
    found = {}
    for name, variations in responses.items():
        key = response_key(name)
        translated = language != wording.DEFAULT_LANGUAGE and words.has(key)
        text = words.translations.gettext(key) if translated else str(variations[0]["text"])
        if re.search(r"\w", re.sub(r"\{[a-z_]+\}", "", text)):
            found[name] = _pattern(text)
    return found


def said(text: str, patterns: Dict[str, "re.Pattern[str]"]) -> List[str]:
    """Which responses ``text`` is (usually one)."""
    return [name for name, pattern in patterns.items() if pattern.match(text)]
