from __future__ import annotations

import pytest

from bot.geo.gazetteer import Gazetteer, is_common_word
from bot.geo.outcodes import OutcodeTable
from bot.settings import PROJECT_ROOT

REQUIRED = [
    "Mile Cross",
    "Lakenham",
    "Old Lakenham",
    "Earlham",
    "West Earlham",
    "Bowthorpe",
    "Tuckswood",
    "Heartsease",
    "Thorpe Hamlet",
    "Thorpe St Andrew",
    "Catton Grove",
    "Old Catton",
    "Sprowston",
    "Hellesdon",
    "Costessey",
    "New Costessey",
    "Eaton",
    "Cringleford",
    "Drayton",
    "Taverham",
    "Wymondham",
    "Dereham",
    "Hethersett",
    "Poringland",
    "Norwich city centre",
    "Golden Triangle",
    "Unthank Road",
    "Magdalen Street",
    "Riverside",
    "Norwich",
]


@pytest.fixture(scope="module")
def gazetteer(outcodes: OutcodeTable) -> Gazetteer:
    return Gazetteer.from_files(outcodes, PROJECT_ROOT / "data" / "geo" / "neighbourhoods.csv")


def test_required_neighbourhoods_are_named_exactly(gazetteer: Gazetteer) -> None:
    names = set(gazetteer.names())
    assert set(REQUIRED) <= names
    for name in REQUIRED:
        place = gazetteer.lookup(name)
        assert place is not None and place.name == name
        assert 52.4 < place.latitude < 52.8 and 0.8 < place.longitude < 1.5


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("mile cross", "Mile Cross"),
        ("MILE   CROSS", "Mile Cross"),
        ("Thorpe St. Andrew", "Thorpe St Andrew"),
        ("thorpe saint andrew", "Thorpe St Andrew"),
        ("the city centre", "Norwich city centre"),
        ("city centre", "Norwich city centre"),
        ("town centre", "Norwich city centre"),
        ("Unthank Rd.", None),
        ("mile x", None),
        ("Ipswich", "Ipswich"),
    ],
)
def test_lookup_is_forgiving_but_not_guessing(gazetteer: Gazetteer, text: str, name: str | None) -> None:
    place = gazetteer.lookup(text)
    assert (place.name if place else None) == name


def test_towns_come_from_the_outcode_table(gazetteer: Gazetteer) -> None:
    place = gazetteer.lookup("Great Yarmouth")
    assert place is not None and place.kind == "town"
    assert place.latitude == pytest.approx((52.6926 + 52.61874 + 52.57614) / 3, abs=1e-4)


def test_neighbourhood_wins_over_town_of_same_name(gazetteer: Gazetteer) -> None:
    place = gazetteer.lookup("Norwich")
    assert place is not None and place.kind == "neighbourhood"


@pytest.mark.parametrize(
    "word", ["March", "Deal", "Bath", "Wells", "Sale", "Hope", "Ware", "Street", "Reading"]
)
def test_everyday_words_are_flagged(word: str) -> None:
    assert is_common_word(word)


@pytest.mark.parametrize(
    "word", ["Norwich", "London", "Oxford", "York", "Sprowston", "Mile Cross", "Eaton", "Wymondham"]
)
def test_place_names_are_not_flagged(word: str) -> None:
    assert not is_common_word(word)
