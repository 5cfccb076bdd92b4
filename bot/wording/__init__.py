"""The message catalogue: every piece of wording that is not a whole domain.yml response.

Whole bot messages are responses in ``domain.yml``. Everything else a resident
reads comes from here: the pieces actions compose around directory data
(opening-hours phrases, distances, booking words, course lines, button
titles) and the channels' own words (the widget's buttons and status lines,
Telegram's /help and /privacy, refusals, the apology). One gettext catalogue
per language, ``locale/<language>/LC_MESSAGES/signpost.po``, read with Babel;
docs/wording.md says how to add a sentence or a language.

Message ids are stable keys (``booking.drop_in``), not English sentences, so
a reworded English sentence does not orphan its translations. Values use
``{name}`` placeholders, like domain.yml responses, so translators meet one
syntax. Numbers and lists are formatted for the catalogue's locale (its
``Language`` header, ``en_GB`` for English) with Babel.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, Literal, Mapping, Union

from babel import Locale
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "signpost"
DEFAULT_LANGUAGE = "en"
# The languages residents may be answered in (docs/languages.md); LANGUAGES chooses among them.
SUPPORTED_LANGUAGES = ("en", "cy", "pl", "ro", "uk", "ar", "ur", "pt")

Plural = Dict[str, str]  # CLDR plural category ("one", "other", ...) -> text


class MissingWording(KeyError):
    """A key used in code that the catalogue does not have (tests/test_wording.py catches these)."""


@dataclass
class Catalogue:
    """One language's messages, with Babel's number and list formatting for its locale."""

    language: str
    locale: Locale
    translations: Translations
    keys: frozenset[str]
    plural_keys: frozenset[str] = field(default_factory=frozenset)

    def has(self, key: str) -> bool:
        return key in self.keys

    def text(self, key: str, **values: Any) -> str:
        """The message ``key`` with its ``{placeholders}`` filled in."""
        if key not in self.keys:
            raise MissingWording(key)
        return self.translations.gettext(key).format_map(values) if values else self.translations.gettext(key)

    def plural(self, key: str, n: int, **values: Any) -> str:
        """The form of ``key`` for the count ``n`` (``{n}`` is filled in too)."""
        if key not in self.plural_keys:
            raise MissingWording(key)
        return self.translations.ngettext(key, key, n).format_map({"n": self.number(n), **values})

    def plural_forms(self, key: str) -> Plural:
        """Each CLDR plural category's text.

        For clients that choose with ``Intl.PluralRules`` (the widget).
        """
        if key not in self.plural_keys:
            raise MissingWording(key)
        forms: Plural = {}
        rule = self.locale.plural_form
        for n in range(0, 1000):  # a sample number of each category picks gettext's form for it
            category = rule(n)
            if category not in forms:
                forms[category] = self.translations.ngettext(key, key, n)
            if len(forms) == len(rule.tags | {"other"}):
                break
        return forms

    def number(self, value: Union[int, float], pattern: str = "#,##0.#") -> str:
        return format_decimal(value, pattern, locale=self.locale)

    def money(self, amount: float) -> str:
        """'£5', '£2.50' as the locale writes pounds."""
        pattern = "¤#,##0" if float(amount).is_integer() else "¤#,##0.00"
        text = format_currency(amount, "GBP", pattern, locale=self.locale, currency_digits=False)
        # CLDR has no "£" for some locales ("GBP2,50" in Polish, "UK£" in Arabic): residents here see £
        return text.replace("UK£", "£").replace("GBP", "£")

    def join(self, items: Iterable[str], style: Literal["standard", "or"] = "standard") -> str:
        """'a, b and c' (``style="or"``: 'a, b or c')."""
        return format_list(list(items), style=style, locale=self.locale)

    def prefixed(self, prefix: str) -> Dict[str, Union[str, Plural]]:
        """Every message under ``prefix`` (``widget.``), keys without it; plurals as CLDR forms."""
        found: Dict[str, Union[str, Plural]] = {}
        for key in sorted(self.keys | self.plural_keys):
            if key.startswith(prefix):
                name = key[len(prefix) :]
                found[name] = (
                    self.plural_forms(key) if key in self.plural_keys else self.translations.gettext(key)
                )
        return found


def _read(
    path: Path, fallback: Translations | None = None
) -> tuple[Translations, Locale, frozenset[str], frozenset[str]]:
    """A .po file as gettext translations, its locale, and its translated keys (single and plural)."""
    with path.open("rb") as po:
        catalog = read_po(po, domain=DOMAIN, abort_invalid=True)
    for message in list(catalog):
        if message.id and isinstance(message.string, tuple) and not all(message.string):
            del catalog[message.id]  # a plural not translated in every form falls back to English whole
    mo = io.BytesIO()
    write_mo(mo, catalog)  # fuzzy entries are left out, as msgfmt does
    mo.seek(0)
    translations = Translations(mo, domain=DOMAIN)
    if fallback is not None:
        translations.add_fallback(fallback)  # an untranslated message shows in English
    keys = {m.id for m in catalog if isinstance(m.id, str) and m.id and m.string and not m.fuzzy}
    plurals = {
        str(m.id[0])
        for m in catalog
        if m.pluralizable and isinstance(m.string, tuple) and all(m.string) and not m.fuzzy
    }
    return translations, catalog.locale or Locale.parse("en_GB"), frozenset(keys), frozenset(plurals)


@lru_cache(maxsize=None)
def catalogue(language: str = DEFAULT_LANGUAGE) -> Catalogue:
    """The catalogue for ``language`` (falling back to English message by message); read once."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT_LANGUAGE:
        translations, locale, keys, plurals = _read(path)
        return Catalogue(language, locale, translations, keys, plurals)
    english = catalogue(DEFAULT_LANGUAGE)
    translations, locale, keys, plurals = _read(path, english.translations)
    return Catalogue(language, locale, translations, keys | english.keys, plurals | english.plural_keys)


def languages() -> list[str]:
    """Languages with a catalogue."""
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


# The language of the conversation being answered: a context variable, so each asyncio task and each
# thread (actions run in worker threads) answers in its own.
_speaking: ContextVar[str] = ContextVar("signpost_speaking", default=DEFAULT_LANGUAGE)


@contextmanager
def speaking(language: str) -> Iterator[Catalogue]:
    """Inside it, ``_``, ``_n`` and everything built on them (buttons, a place's lines) answer in
    ``language``. A language without a catalogue answers in English."""
    chosen = language if language in SUPPORTED_LANGUAGES and language in languages() else DEFAULT_LANGUAGE
    token = _speaking.set(chosen)
    try:
        yield catalogue(chosen)
    finally:
        _speaking.reset(token)


def current() -> Catalogue:
    """The catalogue of the language being spoken (English outside :func:`speaking`)."""
    return catalogue(_speaking.get())


def _(key: str, **values: Any) -> str:
    """The message ``key`` in the language being spoken, placeholders filled in."""
    return current().text(key, **values)


def _n(key: str, n: int, **values: Any) -> str:
    """The plural message ``key`` for the count ``n``, in the language being spoken."""
    return current().plural(key, n, **values)


@lru_cache(maxsize=None)
def _domain_responses(path: Path) -> Mapping[str, Any]:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(path.read_text(encoding="utf-8")).get("responses") or {}


def domain_text(response: str, domain_file: Path | None = None) -> str:
    """The text of a whole bot message from domain.yml, for a channel that says it without asking Rasa."""
    from bot.settings import PROJECT_ROOT

    variations = _domain_responses(domain_file or PROJECT_ROOT / "domain.yml").get(response)
    if not variations:
        raise MissingWording(response)
    return str(variations[0]["text"])


def response_text(response: str) -> str:
    """A whole bot message in the language being spoken (its ``response.<name>`` key), else domain.yml's."""
    key = f"response.{response}"
    words = current()
    if words.language != DEFAULT_LANGUAGE and words.has(key):
        return words.translations.gettext(key)
    return domain_text(response)
