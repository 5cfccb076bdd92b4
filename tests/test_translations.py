"""Every language's catalogue is complete and keeps the English placeholders (docs/languages.md)."""

from __future__ import annotations

import re
from typing import Dict, Tuple

import pytest
from babel.messages.pofile import read_po

from bot.settings import PROJECT_ROOT
from bot.wording import LOCALE_DIR, SUPPORTED_LANGUAGES, _domain_responses, catalogue
from bot.wording.sync import RESPONSE_PREFIX, po_path

PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")
OTHERS = [language for language in SUPPORTED_LANGUAGES if language != "en"]


def english() -> Dict[str, Tuple[str, ...]]:
    """Every key a translation needs, with its English text(s)."""
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "signpost.po").open("rb") as po:
        texts: Dict[str, Tuple[str, ...]] = {
            (m.id if isinstance(m.id, str) else m.id[0]): (
                m.string if isinstance(m.string, tuple) else (m.string,)
            )
            for m in read_po(po)
            if m.id
        }
    for name, variations in _domain_responses(PROJECT_ROOT / "domain.yml").items():
        texts[RESPONSE_PREFIX + name] = (str(variations[0]["text"]),)
    return texts


@pytest.mark.parametrize("language", OTHERS)
def test_every_key_is_translated_with_the_same_placeholders(language: str) -> None:
    wanted = english()
    with po_path(language).open("rb") as po:
        found = {
            (m.id if isinstance(m.id, str) else m.id[0]): (
                m.string if isinstance(m.string, tuple) else (m.string,)
            )
            for m in read_po(po)
            if m.id
        }
    assert sorted(set(wanted) - set(found)) == [], "run `python -m bot wording sync`, then translate"
    problems = []
    for key, english_texts in wanted.items():
        names = {n for text in english_texts for n in PLACEHOLDER.findall(text)}
        for text in found[key]:
            if not text:
                problems.append(f"{key}: untranslated")
            elif set(PLACEHOLDER.findall(text)) - names:
                problems.append(f"{key}: placeholder not in the English: {text!r}")
    assert problems == []


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_prices_are_in_pounds_in_every_language(language: str) -> None:
    assert catalogue(language).money(2.5).replace("\xa0", " ").strip("£ ").replace(",", ".") == "2.50"
    assert "£" in catalogue(language).money(5) and "GBP" not in catalogue(language).money(5)


def test_portuguese_counts_one_place_in_the_singular() -> None:
    """European Portuguese: 0 takes the plural (Babel's plain "pt" is Brazil's, where 0 is singular)."""
    forms = catalogue("pt").plural_forms("widget.places")
    assert str(catalogue("pt").locale) == "pt_PT"
    assert forms["one"] != forms["other"]
    assert catalogue("pt").plural("widget.places", 0) == forms["other"].format(n="0")
