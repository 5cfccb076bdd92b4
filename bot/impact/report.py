"""Impact figures for publishing: grouped by week, small numbers suppressed, as CSV or text.

The CSV (``week,channel,need,outcode,count,unmet,language``), the command
line and the staff console's Impact page are all built from one
:class:`Report`, so they always show the same numbers. ``count`` is the number
of answers; ``unmet`` how many of those had no hub offering the service within
3 miles; ``language`` the conversation's language, last so that readers of the
older six columns keep working. Any count from 1 to ``min_count - 1`` is shown
as "<5" (for the default 5).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from babel import Locale
from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from bot.impact.store import ImpactStore, answers, misunderstood
from bot.needs import NEEDS
from bot.wording import SUPPORTED_LANGUAGES

# "language" came later: it stays last, so a reader of the first six columns keeps working.
CSV_COLUMNS = ("week", "channel", "need", "outcode", "count", "unmet", "language")
TOP_AREAS = 10
NEED_LABELS = {
    **{n.intent: n.label for n in NEEDS.values()},
    "talk_to_human": "Asked for a person",
    "other": "Other",
}

# "Polish" for "pl": the page and the text report are for council staff, in English (CLDR names, Babel).
LANGUAGE_LABELS = {code: Locale("en").languages.get(code, code) for code in SUPPORTED_LANGUAGES}


@dataclass(frozen=True)
class Figure:
    """One CSV row: answers in a week, on a channel, for a need, in an outward code, in a language."""

    week: date  # the Monday (UTC) the week starts
    channel: str
    need: str
    outcode: str
    count: int
    unmet: int
    language: str = "en"


Pairs = List[Tuple[str, int]]


@dataclass(frozen=True)
class Report:
    figures: List[Figure]
    misunderstood: Dict[date, Dict[str, int]]  # week -> channel -> messages not understood
    start: Optional[date] = None
    end: Optional[date] = None
    min_count: int = 5

    def shown(self, count: int) -> str:
        """The count as published: "<5" for 1 to 4 (with the default), otherwise the number."""
        return f"<{self.min_count}" if 0 < count < self.min_count else str(count)

    def _sum(
        self, key: Callable[[Figure], str], value: Callable[[Figure], int] = lambda f: f.count
    ) -> Counter:
        totals: Counter = Counter()
        for f in self.figures:
            totals[key(f)] += value(f)
        return totals

    def by_week(self) -> Pairs:
        return sorted(self._sum(lambda f: f.week.isoformat()).items())

    def by_channel(self) -> Pairs:
        return sorted(self._sum(lambda f: f.channel).items(), key=lambda kv: (-kv[1], kv[0]))

    def by_need(self) -> Pairs:
        return sorted(self._sum(lambda f: f.need).items(), key=lambda kv: (-kv[1], kv[0]))

    def by_language(self) -> Pairs:
        return sorted(self._sum(lambda f: f.language).items(), key=lambda kv: (-kv[1], kv[0]))

    def top_areas(self, limit: int = TOP_AREAS) -> Pairs:
        return sorted(self._sum(lambda f: f.outcode).items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def unmet(self) -> List[Tuple[str, str, int]]:
        """(outcode, need, answers with no hub offering it within 3 miles), largest first."""
        totals = self._sum(lambda f: f"{f.outcode}\t{f.need}", lambda f: f.unmet)
        rows = [(*key.split("\t"), n) for key, n in totals.items() if n > 0]
        return sorted(rows, key=lambda r: (-r[2], r[0], r[1]))

    def misunderstood_by_week(self) -> Pairs:
        return sorted((week.isoformat(), sum(per.values())) for week, per in self.misunderstood.items())

    def total(self) -> int:
        return sum(f.count for f in self.figures)

    def csv_rows(self) -> List[Tuple[str, ...]]:
        """The CSV body as published (suppressed), in a stable order."""
        return [
            (
                f.week.isoformat(),
                f.channel,
                f.need,
                f.outcode,
                self.shown(f.count),
                self.shown(f.unmet),
                f.language,
            )
            for f in self.figures
        ]


def week_of(hour: datetime) -> date:
    """The Monday of the (UTC) week the hour falls in."""
    day = hour.date()
    return day - timedelta(days=day.weekday())


def _bounds(table, start: Optional[date], end: Optional[date]) -> list:
    conditions = []
    if start is not None:
        conditions.append(table.c.hour >= datetime.combine(start, time.min))
    if end is not None:
        conditions.append(table.c.hour < datetime.combine(end + timedelta(days=1), time.min))
    return conditions


def build(
    engine: Engine, start: Optional[date] = None, end: Optional[date] = None, min_count: int = 5
) -> Report:
    """Read the figures between ``start`` and ``end`` (inclusive days, UTC) from the database."""
    ImpactStore(engine).ensure_schema()
    unmet = func.sum(case((answers.c.hubs_within_3_miles == 0, 1), else_=0))
    grouped = (answers.c.hour, answers.c.channel, answers.c.need, answers.c.outcode, answers.c.language)
    query = select(*grouped, func.count(), unmet).where(*_bounds(answers, start, end)).group_by(*grouped)
    weekly: Dict[Tuple[date, str, str, str, str], List[int]] = defaultdict(lambda: [0, 0])
    missed: Dict[date, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with engine.connect() as conn:
        for hour, channel, need, outcode, language, count, not_met in conn.execute(query):
            totals = weekly[(week_of(hour), channel, need, outcode, language)]
            totals[0] += int(count)
            totals[1] += int(not_met or 0)
        query = (
            select(misunderstood.c.hour, misunderstood.c.channel, func.count())
            .where(*_bounds(misunderstood, start, end))
            .group_by(misunderstood.c.hour, misunderstood.c.channel)
        )
        for hour, channel, count in conn.execute(query):
            missed[week_of(hour)][channel] += int(count)
    figures = [
        Figure(week, channel, need, outcode, c, u, language)
        for (week, channel, need, outcode, language), (c, u) in sorted(weekly.items())
    ]
    return Report(figures, {w: dict(per) for w, per in missed.items()}, start, end, min_count)


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(report.csv_rows())
    return out.getvalue()


def _section(title: str, rows: Iterable[Tuple[str, ...]]) -> List[str]:
    rows = list(rows)
    lines = ["", title]
    if not rows:
        return lines + ["  (none)"]
    width = max(len(r[0]) for r in rows)
    return lines + ["  " + "  ".join([r[0].ljust(width), *r[1:]]) for r in rows]


def to_text(report: Report) -> str:
    """The Impact page's figures as plain text (the same sections, the same suppression)."""
    span = f"{report.start or 'the first record'} to {report.end or 'today'}"
    lines = [
        f"Signpost impact, {span} (counts under {report.min_count} shown as <{report.min_count})",
        f"Answers: {report.shown(report.total())}",
    ]
    lines += _section("Needs by week (week starting)", ((w, report.shown(n)) for w, n in report.by_week()))
    lines += _section("Needs by channel", ((c, report.shown(n)) for c, n in report.by_channel()))
    lines += _section("Needs", ((NEED_LABELS.get(k, k), report.shown(n)) for k, n in report.by_need()))
    lines += _section(
        "Needs by language", ((LANGUAGE_LABELS.get(k, k), report.shown(n)) for k, n in report.by_language())
    )
    lines += _section("Top areas (outward code)", ((o, report.shown(n)) for o, n in report.top_areas()))
    lines += _section(
        "Unmet need: no hub within 3 miles (outward code, need)",
        ((o, NEED_LABELS.get(k, k), report.shown(n)) for o, k, n in report.unmet()),
    )
    lines += _section(
        "Messages not understood, by week", ((w, report.shown(n)) for w, n in report.misunderstood_by_week())
    )
    return "\n".join(lines) + "\n"
