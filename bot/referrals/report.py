"""The referral funnel for publishing: referred, arrived and helped, by week, hub and need.

A referral counts in the week it was issued (Monday, UTC, like the impact
figures), once for each place it named: ``referred`` is how many codes named
that hub, ``arrived`` how many of those the hub marked, ``helped`` how many
of those with an outcome other than ``not_helped``. Counts from 1 to
``min_count - 1`` are published as "<5" (for the default 5), like the impact
report; the staff console's Impact page and the CSV use these same rows.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Dict, List, Optional, Tuple

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Engine

from bot.impact.report import NEED_LABELS
from bot.referrals.outcomes import NOT_HELPED
from bot.referrals.store import ReferralStore, arrivals, places, referrals

CSV_COLUMNS = ("week", "hub_id", "need", "referred", "arrived", "helped")


@dataclass(frozen=True)
class FunnelRow:
    """One CSV row: codes issued in a week that named a hub, for a need, and what became of them there."""

    week: date  # the Monday (UTC) of the week the codes were issued
    hub_id: str
    need: str
    referred: int
    arrived: int
    helped: int


def week_of(day: date) -> date:
    """The Monday of the week ``day`` falls in."""
    return day - timedelta(days=day.weekday())


def shown(count: int, min_count: int = 5) -> str:
    """The count as published: "<5" for 1 to 4 (with the default), otherwise the number."""
    return f"<{min_count}" if 0 < count < min_count else str(count)


def funnel(
    engine: Engine, start: Optional[date] = None, end: Optional[date] = None, min_count: int = 5
) -> List[FunnelRow]:
    """The funnel for codes issued between ``start`` and ``end`` (inclusive days, UTC), week by week.

    Rows hold the true counts; ``min_count`` is applied when they are shown
    (:func:`shown`, :func:`to_csv`), so totals can still be summed first.
    """
    ReferralStore(engine).ensure_schema()
    arrived = func.count(arrivals.c.code)
    helped = func.sum(
        case((and_(arrivals.c.code.is_not(None), arrivals.c.outcome != NOT_HELPED), 1), else_=0)
    )
    query = (
        select(referrals.c.day, places.c.hub_id, referrals.c.need, func.count(), arrived, helped)
        .select_from(
            referrals.join(places, places.c.code == referrals.c.code).outerjoin(
                arrivals, and_(arrivals.c.code == places.c.code, arrivals.c.hub_id == places.c.hub_id)
            )
        )
        .group_by(referrals.c.day, places.c.hub_id, referrals.c.need)
    )
    if start is not None:
        query = query.where(referrals.c.day >= start)
    if end is not None:
        query = query.where(referrals.c.day <= end)
    weekly: Dict[Tuple[date, str, str], List[int]] = defaultdict(lambda: [0, 0, 0])
    with engine.connect() as conn:
        for day, hub_id, need, *counts in conn.execute(query):
            totals = weekly[(week_of(day), hub_id, need)]
            for i, count in enumerate(counts):
                totals[i] += int(count or 0)
    return [FunnelRow(week, hub, need, *counts) for (week, hub, need), counts in sorted(weekly.items())]


def csv_rows(rows: List[FunnelRow], min_count: int = 5) -> List[Tuple[str, ...]]:
    """The CSV body as published (suppressed)."""
    return [
        (
            r.week.isoformat(),
            r.hub_id,
            r.need,
            shown(r.referred, min_count),
            shown(r.arrived, min_count),
            shown(r.helped, min_count),
        )
        for r in rows
    ]


def to_csv(rows: List[FunnelRow], min_count: int = 5) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(rows, min_count))
    return out.getvalue()


def to_text(rows: List[FunnelRow], min_count: int = 5) -> str:
    """The funnel as a plain-text table (the same rows and suppression as the CSV)."""
    lines = [f"Signpost referrals (counts under {min_count} shown as <{min_count})", ""]
    table: List[Tuple[str, ...]] = [("week", "hub", "need", "referred", "arrived", "helped")]
    table += [
        (w, hub, NEED_LABELS.get(need, need), *counts) for w, hub, need, *counts in csv_rows(rows, min_count)
    ]
    if len(table) == 1:
        return "\n".join(lines + ["  (none)"]) + "\n"
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for row in table:
        lines.append(
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return "\n".join(lines) + "\n"
