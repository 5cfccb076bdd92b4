"""Keep every language's catalogue in step with the English one and with domain.yml.

English is written in two places on purpose: whole bot messages in
``domain.yml`` (Rasa reads them) and everything else in the English
catalogue. A translation catalogue holds both kinds: the English catalogue's
keys, and one key per domain response (``response.utter_greet``). Babel's
``Catalog.update`` does the merging (new keys appear untranslated, removed
keys become obsolete, translations are kept); each entry carries the English
text as a comment for the translator. An untranslated entry shows in English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, List, Mapping

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.wording import DEFAULT_LANGUAGE, DOMAIN, LOCALE_DIR

RESPONSE_PREFIX = "response."
# A catalogue's locale where the language code alone would pick another country's rules: Babel's "pt" is
# Brazil's (0 takes the singular, "polonês"); the UK's Portuguese speakers mostly write European Portuguese.
LOCALES = {"pt": "pt_PT"}
HEADER = (
    "Signpost's message catalogue: {name}. A DRAFT until a native speaker has reviewed it\n"
    "(docs/languages.md). Made and updated by `python -m bot wording sync`: edit only msgstr.\n"
    "Each entry's English is in its comment. Keep {{placeholders}} as they are."
)


def response_key(response: str) -> str:
    """The catalogue key of a domain.yml response (``utter_greet`` -> ``response.utter_greet``)."""
    return f"{RESPONSE_PREFIX}{response}"


def template(responses: Mapping[str, str]) -> Catalog:
    """Every key a translation needs, with its English text as the translator's comment."""
    with (LOCALE_DIR / DEFAULT_LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        english = read_po(po, domain=DOMAIN)
    pot = Catalog(domain=DOMAIN)
    for message in english:
        if not message.id:
            continue
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        comments = [*message.auto_comments, *(f"English: {t}" for t in texts)]
        pot.add(message.id, auto_comments=comments)
    for name, text in sorted(responses.items()):
        pot.add(response_key(name), auto_comments=[f"domain.yml {name}", f"English: {text}"])
    return pot


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def sync(languages: Iterable[str], responses: Mapping[str, str]) -> List[Path]:
    """Create or update each language's catalogue from :func:`template`; returns the files written."""
    pot = template(responses)
    written = []
    for language in languages:
        if language == DEFAULT_LANGUAGE:
            continue
        path = po_path(language)
        if path.exists():
            with path.open("rb") as po:
                catalog = read_po(po, locale=LOCALES.get(language, language), domain=DOMAIN)
        else:
            catalog = Catalog(
                locale=LOCALES.get(language, language), domain=DOMAIN, project="signpost", fuzzy=False
            )
        catalog.header_comment = "\n".join(
            f"# {line}" for line in HEADER.format(name=catalog.locale.english_name).splitlines()
        )
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.obsolete.clear()  # a removed key's translation is of no use (git keeps history)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po:
            write_po(po, catalog, width=100, omit_header=False, sort_output=False)
        written.append(path)
    return written
