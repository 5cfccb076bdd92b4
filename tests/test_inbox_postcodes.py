"""The staff inbox masks postcodes with bot/geo/postcodes.py, the rules the assistant itself reads them by.

(Kept out of tests/staff/ while that folder is being reworked; the inbox is bot/staff/inbox.py.)
"""

from __future__ import annotations

import pytest

from bot.staff.inbox import mask


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("help in NR2 3PQ or nr5 please", "help in [postcode] or [postcode] please"),
        ("near NR2, thanks", "near [postcode], thanks"),  # an outward code before punctuation
        ("NR2 4CI is where i live", "[postcode] is where i live"),  # shaped like one, not valid: all of it
        ("zz99 9zz", "[postcode]"),
        ("can i come b4 5", "can i come b4 5"),  # text-speak, not the B4 district
        ("windows 10 on my laptop", "windows 10 on my laptop"),
    ],
)
def test_postcodes_are_masked_as_the_assistant_reads_them(said: str, shown: str) -> None:
    assert mask(said) == shown
