""" "Text me this" under test: the web server with Notify set to a fake, over the sample directory.

Everything the server writes goes under one var dir (the directory and
tracker databases, a log file of every logger at DEBUG), so a test can then
search every file there for the resident's mobile number.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Iterator, List

from limits import parse
from sqlalchemy.engine import Engine

from bot.directory.csv_loader import load_csv_directory
from bot.directory.db import make_engine
from bot.geo.geocoder import Geocoder
from bot.settings import PROJECT_ROOT
from bot.settings import load as load_settings
from bot.web.settings import WebSettings
from tests.support.fake_notify import FakeNotify
from tests.support.web import FAKE_RASA, web_settings

SAMPLE = PROJECT_ROOT / "data" / "directory"
NUMBER = "07400 123456"  # a UK mobile number as a resident types it (Ofcom's drama range is not valid)
# The same number as it could be written anywhere: the search for it afterwards looks for every form.
NUMBER_FORMS = ("07400 123456", "07400123456", "+447400123456", "447400123456", "7400123456", "7400 123456")


def directory_url(var: Path) -> str:
    return f"sqlite:///{var / 'directory.db'}"


def load_sample(var: Path) -> Engine:
    """The sample hubs in ``var``'s directory database (offline geocoder: nothing leaves the machine)."""
    engine = make_engine(directory_url(var))
    geocoder = Geocoder.from_settings(load_settings({"GEOCODER": "offline"}))
    load_csv_directory(engine, SAMPLE / "hubs.csv", None, geocoder)
    return engine


def texting_settings(
    var: Path, notify: FakeNotify, per_address: str = "5/hour", per_code: str = "3/day"
) -> WebSettings:
    """The web server's settings with texts on, sending through ``notify``."""
    return replace(
        web_settings(FAKE_RASA, var / "tracker.db"),
        notify_api_key=notify.api_key,
        notify_sms_template_id=notify.template_id,
        notify_base_url=notify.url,
        text_per_address=parse(per_address),
        text_per_code=parse(per_code),
        directory_url=directory_url(var),
    )


@contextmanager
def logging_to(path: Path) -> Iterator[Path]:
    """Every log record of this process, at every level, into ``path`` (as a service's log file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def files_containing(root: Path, needles: Iterable[str]) -> List[str]:
    """Files under ``root`` holding any of ``needles`` (UTF-8 or UTF-16, as SQLite may store text)."""
    patterns = [form for n in needles for form in (n.encode("utf-8"), n.encode("utf-16-le"))]
    return [
        str(path.relative_to(root))
        for path in sorted(root.rglob("*"))
        if path.is_file() and any(p in path.read_bytes() for p in patterns)
    ]
