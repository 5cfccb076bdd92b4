"""The Impact page and its CSV: what residents needed, and where help is missing.

The page is built from the same :class:`bot.impact.report.Report` as the
CSV, so both always show the same numbers. Charts are inline SVG drawn by
templates/impact.html from the bars measured here. Suppressed counts ("<5")
get no bar, so the bar's length cannot give the number away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlencode

from aiohttp import web

from bot.impact import report as impact_report
from bot.impact.report import NEED_LABELS, Report
from bot.staff.views.base import PREFIX, SETTINGS, audit, blocking, impact_engine, login_required, render

routes = web.RouteTableDef()
BAR = "#005a9c"  # 7:1 on white; text is #1b1b1b
ROW, LABEL_W, BAR_W, VALUE_W = 26, 190, 300, 60
SHORT = 24  # longer labels are cut in the chart (the table beside it has them whole)


@dataclass
class Bar:
    label: str
    short: str
    shown: str  # the count as published ("<5" when suppressed)
    y: int
    length: int
    x: int = LABEL_W
    height: int = ROW - 8

    @property
    def label_x(self) -> int:
        return LABEL_W - 6

    @property
    def value_x(self) -> int:
        return LABEL_W + self.length + 6

    @property
    def text_y(self) -> int:
        return self.y + 14


@dataclass
class Chart:
    title: str
    bars: List[Bar]
    colour: str = BAR
    width: int = LABEL_W + BAR_W + VALUE_W

    @property
    def height(self) -> int:
        return ROW * len(self.bars) + 8


@dataclass
class Table:
    id: str
    caption: str
    headers: Sequence[str]
    rows: List[Sequence[object]]
    numeric_from: int  # columns from here on are numbers (right-aligned)


@dataclass
class Figure:
    id: str
    heading: str
    table: Table
    chart: Optional[Chart] = None
    intro: str = ""


def bar_chart(title: str, items: Sequence[Tuple[str, int]], report: Report) -> Chart:
    """Horizontal bars, the longest the largest count shown in full."""
    visible = [n for _, n in items if report.shown(n) == str(n)]
    top = max(visible, default=0) or 1
    bars = []
    for i, (label, n) in enumerate(items):
        shown = report.shown(n)
        length = 0 if shown != str(n) else max(1, round(BAR_W * n / top)) if n else 0
        short = label if len(label) <= SHORT else label[: SHORT - 1] + "…"
        bars.append(Bar(label, short, shown, y=4 + i * ROW + 3, length=length))
    return Chart(title, bars)


def need_label(need: str) -> str:
    return NEED_LABELS.get(need, need)


def figures(report: Report) -> List[Figure]:
    """The page's sections, in order: a chart and a table of the same numbers each."""
    shown = report.shown

    def table(
        table_id: str,
        caption: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[object]],
        numeric_from: int = 1,
    ) -> Table:
        return Table(table_id, caption, headers, list(rows), numeric_from)

    weeks, channels, areas, unmet = report.by_week(), report.by_channel(), report.top_areas(), report.unmet()
    needs = [(need_label(k), n) for k, n in report.by_need()]
    return [
        Figure(
            "weeks",
            "Needs by week",
            table(
                "by-week", "Answers by week", ("Week starting", "Answers"), ((w, shown(n)) for w, n in weeks)
            ),
            bar_chart("Answers by week", weeks, report),
        ),
        Figure(
            "channels",
            "Needs by channel",
            table(
                "by-channel",
                "Answers by channel",
                ("Channel", "Answers"),
                ((c, shown(n)) for c, n in channels),
            ),
            bar_chart("Answers by channel", channels, report),
        ),
        Figure(
            "needs",
            "What residents needed",
            table("by-need", "Answers by need", ("Need", "Answers"), ((k, shown(n)) for k, n in needs)),
            bar_chart("Answers by need", needs, report),
        ),
        Figure(
            "areas",
            "Top areas",
            table(
                "top-areas",
                "Top areas by answers",
                ("Outward code", "Answers"),
                ((o, shown(n)) for o, n in areas),
            ),
            bar_chart("Answers by area", areas, report),
            intro="Outward codes (the first half of a postcode) with the most answers.",
        ),
        Figure(
            "unmet",
            "Unmet need",
            table(
                "unmet",
                "Unmet need by outward code and need",
                ("Outward code", "Need", "Answers"),
                ((o, need_label(k), shown(n)) for o, k, n in unmet),
                2,
            ),
            bar_chart(
                "Unmet need by area and need", [(f"{o} {need_label(k)}", n) for o, k, n in unmet], report
            ),
            intro="Needs asked in an area where no hub offering that service is within 3 miles: "
            "the gaps to fill.",
        ),
        Figure(
            "misunderstood",
            "Messages not understood",
            table(
                "misunderstood",
                "Messages not understood, by week",
                ("Week starting", "Messages"),
                ((w, shown(n)) for w, n in report.misunderstood_by_week()),
            ),
            intro="Counted only: the messages are not kept here.",
        ),
    ]


def all_figures(report: Report) -> Table:
    return Table(
        "all-figures",
        "Answers by week, channel, need and outward code",
        ("Week starting", "Channel", "Need", "Outward code", "Answers", "Unmet"),
        list(report.csv_rows()),
        4,
    )


@dataclass
class Dates:
    """The date filter from the query string; bad dates are reported and ignored."""

    start_text: str = ""
    end_text: str = ""
    start: Optional[date] = None
    end: Optional[date] = None
    errors: List[str] = field(default_factory=list)


def dates(request: web.Request) -> Dates:
    texts, found, errors = [], [], []
    for key, name in (("from", "From"), ("to", "To")):
        text = request.query.get(key, "").strip()
        try:
            found.append(date.fromisoformat(text) if text else None)
            texts.append(text)
        except ValueError:
            found.append(None)
            texts.append("")
            errors.append(f"{name} is not a date: use the date picker or YYYY-MM-DD.")
    start, end = found
    if start and end and start > end:
        errors.append("The From date is after the To date: showing every date instead.")
        texts, start, end = ["", ""], None, None
    return Dates(texts[0], texts[1], start, end, errors)


async def _report(request: web.Request) -> Tuple[Report, Dates]:
    engine, chosen = impact_engine(request), dates(request)
    if engine is None:
        raise web.HTTPServiceUnavailable(text="No directory database is set (DIRECTORY_URL).")
    built = await blocking(
        impact_report.build, engine, chosen.start, chosen.end, request.app[SETTINGS].impact_min_count
    )
    return built, chosen


@routes.get(PREFIX + "/impact")
@login_required
async def impact_page(request: web.Request) -> web.Response:
    report, chosen = await _report(request)
    query = urlencode({k: v for k, v in (("from", chosen.start_text), ("to", chosen.end_text)) if v})
    return render(
        request,
        "impact.html",
        "Impact: what residents needed, and where help is missing",
        report=report,
        start=chosen.start_text,
        end=chosen.end_text,
        errors=chosen.errors,
        csv_href=f"{PREFIX}/impact.csv" + (f"?{query}" if query else ""),
        figures=figures(report),
        all_figures=all_figures(report),
        retention_days=request.app[SETTINGS].impact_retention_days,
    )


@routes.get(PREFIX + "/impact.csv")
@login_required
async def impact_csv(request: web.Request) -> web.Response:
    report, chosen = await _report(request)
    start, end = chosen.start_text, chosen.end_text
    name = "-".join(["signpost-impact", start or "start", end or "today"]) + ".csv"
    await audit(request, "downloaded_impact_csv", start=start or None, end=end or None)
    return web.Response(
        text=impact_report.to_csv(report),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
