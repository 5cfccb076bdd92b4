"""The channel owns the channel names; impact figures count by them without importing the channel."""

from __future__ import annotations

import subprocess
import sys

from bot.channels.names import CHANNELS, channel_of
from bot.settings import PROJECT_ROOT


def test_only_known_channel_names_pass() -> None:
    assert CHANNELS == ("web", "telegram")
    assert channel_of({"channel": "telegram"}) == "telegram"
    for sent in (None, {}, {"channel": "NR2 4EE"}, {"channel": ["web"]}, "web"):
        assert channel_of(sent) == "other"  # type: ignore[arg-type]


def _imported_after(statement: str) -> set:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    return set(out.stdout.split())


def test_the_rest_channel_does_not_import_impact_and_impact_does_not_import_rasa() -> None:
    assert "bot.impact" not in _imported_after("import bot.channels.rest")
    modules = _imported_after("import bot.impact.privacy, bot.impact.store, bot.impact.report")
    assert "bot.channels.names" in modules
    assert not {m for m in modules if m == "rasa" or m.startswith("rasa.") or m == "sanic"}
