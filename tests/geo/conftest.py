from __future__ import annotations

import pytest

from bot.geo.outcodes import OutcodeTable
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="session")
def outcodes() -> OutcodeTable:
    return OutcodeTable.from_csv(PROJECT_ROOT / "data" / "geo" / "uk_outcodes.csv")
