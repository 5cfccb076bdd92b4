"""The things every action needs, built once per action-server process.

Built on first use, not at import time, so importing the actions (as the
action server and tests do) opens no database and reads no files. Tests
swap in their own with :func:`use`. Actions run in worker threads
(:mod:`actions.safety`), so the first build is guarded by a lock: residents
arriving together share one context instead of each building their own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Optional

from bot.directory.db import make_engine
from bot.directory.search import DirectorySearch
from bot.geo.locate import Locator, build_locator
from bot.impact.recorder import Recorder
from bot.impact.store import ImpactStore
from bot.referrals.store import ReferralStore
from bot.settings import Settings, load


@dataclass
class Context:
    settings: Settings
    locator: Locator
    search: DirectorySearch
    impact: Optional[Recorder] = None  # None: impact figures are not recorded (some unit tests)
    referrals: Optional[ReferralStore] = None  # None: answers carry no referral code (some unit tests)


_current: Optional[Context] = None
_building = threading.Lock()


def build(settings: Settings) -> Context:
    engine = make_engine(settings.directory_url)
    search = DirectorySearch(engine, settings.timezone)
    return Context(
        settings=settings,
        locator=build_locator(settings),
        search=search,
        impact=Recorder(ImpactStore(engine), search),
        referrals=ReferralStore(engine),
    )


def current() -> Context:
    global _current
    if _current is None:
        with _building:
            if _current is None:
                _current = build(load())
    return _current


def use(context: Optional[Context]) -> None:
    """Replace the context (tests), or reset it with ``None``."""
    global _current
    _current = context
