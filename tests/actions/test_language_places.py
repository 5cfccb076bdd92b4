"""Places that help in the resident's language come first among places about as near, and are marked."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Iterator, List

import pytest

from actions import context
from actions.find_help import ActionFindHelp
from actions.formatting import hub_text
from actions.results import in_language_first
from bot.directory.csv_loader import load_csv_directory
from bot.directory.db import make_engine
from bot.geo.geocoder import Geocoder
from bot.settings import load
from bot.wording import _
from tests.actions.conftest import hubs, run, tracker
from tests.support.directory_csv import hub, write_csv

HERE = (52.6276, 1.2916)
MILE = 1 / 69.0  # degrees of latitude
SERVICES = "wifi;free_sim"
# Distances from HERE: 0.1, 0.6 and 0.8 miles (all in the first mile), and 1.5 miles (not shown: 3 places).
PLACES = [
    ("near", 0.1, "en"),
    ("polish-arabic", 0.6, "en;pl;ar"),
    ("english", 0.8, "en"),
    ("polish-far", 1.5, "pl"),
]


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[context.Context]:
    rows = [
        hub(
            id=name,
            name=f"Place {name}",
            latitude=f"{HERE[0] + miles * MILE:.6f}",
            longitude=f"{HERE[1]:.6f}",
            services=SERVICES,
            languages=languages,
        )
        for name, miles, languages in PLACES
    ]
    settings = load(
        {
            "DIRECTORY_URL": f"sqlite:///{tmp_path / 'directory.db'}",
            "GEOCODER": "offline",
            "SIGNPOST_VAR_DIR": str(tmp_path),
        }
    )
    load_csv_directory(
        make_engine(settings.directory_url),
        write_csv(tmp_path / "hubs.csv", rows),
        None,
        Geocoder.from_settings(settings),
    )
    built = context.build(settings)
    context.use(built)
    yield built
    context.use(None)


def answer(language: str | None) -> tuple[List[Dict[str, Any]], str]:
    """The hubs payload and the list's text for get_data at HERE in a conversation in ``language``."""
    entities = [{"entity": "latitude", "value": HERE[0]}, {"entity": "longitude", "value": HERE[1]}]
    slots = {"need": "get_data", **({"language": language} if language else {})}
    dispatcher, _events = run(ActionFindHelp(), tracker("", "inform_location", entities, slots))
    (listed,) = [m for m in dispatcher.messages if (m.get("custom") or {}).get("type") == "hubs"]
    return hubs(dispatcher), listed["text"]


def test_in_english_the_nearest_come_first_and_nothing_is_marked(ctx: context.Context) -> None:
    found, text = answer(None)
    assert [h["id"] for h in found] == ["near", "polish-arabic", "english"]
    assert not any(h["speaks_language"] for h in found)
    assert all(h["speaks_language_text"] is None for h in found)
    assert answer("en")[0] == found


@pytest.mark.parametrize("language", ["pl", "ar"])
def test_a_place_with_help_in_the_residents_language_comes_first_and_is_marked(
    ctx: context.Context, language: str
) -> None:
    found, text = answer(language)
    # Same three places (the nearest), the one with help in the language first: all within the first mile.
    assert [h["id"] for h in found] == ["polish-arabic", "near", "english"]
    assert [h["speaks_language"] for h in found] == [True, False, False]
    mark = found[0]["speaks_language_text"]
    assert mark and text.split("\n\n")[0].endswith(mark)  # the place's last line in the text, too
    assert mark not in text.split("\n\n", 1)[1]
    assert found[0]["name"] == "Place polish-arabic"  # names stay as written


def test_a_language_no_place_offers_changes_nothing(ctx: context.Context) -> None:
    found, _text = answer("uk")
    assert [h["id"] for h in found] == ["near", "polish-arabic", "english"]
    assert not any(h["speaks_language"] for h in found)


def test_only_places_about_as_near_are_passed() -> None:
    """Within each whole mile the order is kept but for the language; a farther mile never goes first."""

    def place(name: str, miles: float, *languages: str) -> Any:
        return SimpleNamespace(id=name, distance_miles=miles, languages=languages)

    listed = [place("a", 0.2), place("b", 0.9), place("c", 1.1, "pl"), place("d", 1.6), place("e", 1.9, "pl")]
    assert [h.id for h in in_language_first(listed, "pl")] == ["a", "b", "c", "e", "d"]
    assert [h.id for h in in_language_first(listed, "en")] == ["a", "b", "c", "d", "e"]


def test_the_mark_is_a_catalogue_sentence() -> None:
    assert _("hub.speaks_language", language="Polish") == "Help in Polish here"
    place = SimpleNamespace(
        name="Place", distance_miles=0.4, address="1 Street", postcode="NR2 1AW", hours=None, booking=None
    )
    assert hub_text(1, SimpleNamespace(**vars(place), phone=None, languages=("pl",)), "pl").endswith(
        "Help in Polish here"
    )
    assert "Help in" not in hub_text(1, SimpleNamespace(**vars(place), phone=None, languages=("pl",)))
