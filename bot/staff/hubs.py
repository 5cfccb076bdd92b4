"""The directory's places by id, for hub accounts and the referral pages.

A hub account names one place of the directory (``location.id``). The console
shows the place's name beside its id; an id the directory no longer has is
shown as the id alone, so a reloaded directory never breaks a page.
"""

from __future__ import annotations

from typing import Dict, Iterable, Optional

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from bot.directory import schema

location = schema.Location.__table__


def hub_names(engine: Engine, ids: Optional[Iterable[str]] = None) -> Dict[str, str]:
    """id -> name for ``ids`` (every place when None) that the directory has; {} before it is loaded."""
    if not inspect(engine).has_table(location.name):
        return {}
    query = select(location.c.id, location.c.name).order_by(location.c.name, location.c.id)
    if ids is not None:
        query = query.where(location.c.id.in_(list(ids)))
    with engine.connect() as c:
        return {hub_id: name for hub_id, name in c.execute(query)}


def hub_label(names: Dict[str, str], hub_id: str) -> str:
    """ "Mile Cross Library (mile-cross-library)", or the id alone when the directory has no such place."""
    name = names.get(hub_id)
    return f"{name} ({hub_id})" if name else hub_id
