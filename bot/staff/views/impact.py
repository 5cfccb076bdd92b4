"""The Impact page and its CSVs: what residents needed, where help is missing, and who arrived.

The page is built from the same :class:`bot.impact.report.Report` as the
CSV, so both always show the same numbers. Charts are inline SVG drawn by
templates/impact.html from the bars measured here. Suppressed counts ("<5")
get no bar, so the bar's length cannot give the number away. The referral
funnel (referred, arrived, helped by place and need) comes from
:func:`bot.referrals.report.funnel`, like its CSV and ``python -m bot impact
referrals``; its bars are CSS widths.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy.engine import Engine

from bot.impact import report as impact_report
from bot.impact.report import LANGUAGE_LABELS, NEED_LABELS, Report
from bot.referrals import report as referral_report
from bot.referrals.report import FunnelRow
from bot.staff.hubs import hub_label, hub_names
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

    def counted(
        figure_id: str,
        heading: str,
        table_id: str,
        caption: str,
        column: str,
        items: Sequence[Tuple[str, int]],
        chart_title: str = "",
        intro: str = "",
    ) -> Figure:
        """Answers counted by one thing (week, channel, ...): its bar chart and its table."""
        rows: List[Sequence[object]] = [(k, shown(n)) for k, n in items]
        table = Table(table_id, caption, (column, "Answers"), rows, 1)
        return Figure(figure_id, heading, table, bar_chart(chart_title or caption, items, report), intro)

    unmet = report.unmet()
    return [
        counted("weeks", "Needs by week", "by-week", "Answers by week", "Week starting", report.by_week()),
        counted(
            "channels", "Needs by channel", "by-channel", "Answers by channel", "Channel", report.by_channel()
        ),
        counted(
            "needs",
            "What residents needed",
            "by-need",
            "Answers by need",
            "Need",
            [(need_label(k), n) for k, n in report.by_need()],
        ),
        counted(
            "languages",
            "Needs by language",
            "by-language",
            "Answers by language",
            "Language",
            [(LANGUAGE_LABELS.get(k, k), n) for k, n in report.by_language()],
            intro="The language of the conversation when the answer was given.",
        ),
        counted(
            "areas",
            "Top areas",
            "top-areas",
            "Top areas by answers",
            "Outward code",
            report.top_areas(),
            "Answers by area",
            "Outward codes (the first half of a postcode) with the most answers.",
        ),
        Figure(
            "unmet",
            "Unmet need",
            Table(
                "unmet",
                "Unmet need by outward code and need",
                ("Outward code", "Need", "Answers"),
                [(o, need_label(k), shown(n)) for o, k, n in unmet],
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
            Table(
                "misunderstood",
                "Messages not understood, by week",
                ("Week starting", "Messages"),
                [(w, shown(n)) for w, n in report.misunderstood_by_week()],
                1,
            ),
            intro="Counted only: the messages are not kept here.",
        ),
    ]


FUNNEL_STAGES = (("referred", "Referred"), ("arrived", "Arrived"), ("helped", "Helped"))
FUNNEL_CHART_ROWS = 12  # the places and needs with the most referrals; the table has every one
WIDTH_STEPS = 20  # bar widths are classes w0, w5, ... w100 in staff.css (the policy allows no inline style)


@dataclass
class StageBar:
    stage: str  # "Referred"
    css: str  # its colour and width classes: "referred w35"
    shown: str  # the count as published ("<5" when suppressed: no bar)


@dataclass
class FunnelGroup:
    label: str
    bars: List[StageBar]


@dataclass
class Funnel:
    """The referral funnel by place and need: bars for the largest, and a table of every number."""

    groups: List[FunnelGroup]
    table: Table
    left_out: int  # rows in the table that the chart leaves out


def funnel_figure(rows: Sequence[FunnelRow], names: Dict[str, str], min_count: int) -> Funnel:
    """Referred, arrived and helped summed over the chosen weeks per place and need, then suppressed.

    Bars are CSS widths in steps of 5% of the largest count shown in full; a
    suppressed count ("<5") gets no bar, so its length cannot give it away."""
    totals: Dict[Tuple[str, str], List[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        counts = totals[(row.hub_id, row.need)]
        for i, (stage, _) in enumerate(FUNNEL_STAGES):
            counts[i] += getattr(row, stage)
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1][0], names.get(kv[0][0], kv[0][0]), kv[0][1]))

    def shown(n: int) -> str:
        return referral_report.shown(n, min_count)

    top = max((n for _, counts in ordered for n in counts if shown(n) == str(n)), default=0) or 1

    def bar(stage: str, words: str, n: int) -> StageBar:
        steps = max(1, round(WIDTH_STEPS * n / top)) if n and shown(n) == str(n) else 0
        return StageBar(words, f"{stage} w{steps * 100 // WIDTH_STEPS}", shown(n))

    groups = [
        FunnelGroup(
            f"{names.get(hub_id, hub_id)}: {need_label(need)}",
            [bar(stage, words, n) for (stage, words), n in zip(FUNNEL_STAGES, counts, strict=True)],
        )
        for (hub_id, need), counts in ordered[:FUNNEL_CHART_ROWS]
    ]
    table = Table(
        "referral-funnel",
        "Referrals by place and need",
        ("Place", "Need", *(words for _, words in FUNNEL_STAGES)),
        [(hub_label(names, h), need_label(k), *(shown(n) for n in c)) for (h, k), c in ordered],
        2,
    )
    return Funnel(groups, table, max(0, len(ordered) - FUNNEL_CHART_ROWS))


def all_figures(report: Report) -> Table:
    return Table(
        "all-figures",
        "Answers by week, channel, need and outward code",
        ("Week starting", "Channel", "Need", "Outward code", "Answers", "Unmet", "Language"),
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


def _engine(request: web.Request) -> Engine:
    engine = impact_engine(request)
    if engine is None:
        raise web.HTTPServiceUnavailable(text="No directory database is set (DIRECTORY_URL).")
    return engine


async def _report(request: web.Request, chosen: Dates) -> Report:
    return await blocking(
        impact_report.build,
        _engine(request),
        chosen.start,
        chosen.end,
        request.app[SETTINGS].impact_min_count,
    )


def _funnel_rows(engine: Engine, chosen: Dates) -> Tuple[List[FunnelRow], Dict[str, str]]:
    """The funnel's rows for the chosen days, and the names of the places in them."""
    rows = referral_report.funnel(engine, chosen.start, chosen.end)
    return rows, hub_names(engine, {r.hub_id for r in rows})


@routes.get(PREFIX + "/impact")
@login_required
async def impact_page(request: web.Request) -> web.Response:
    chosen = dates(request)
    report = await _report(request, chosen)
    rows, names = await blocking(_funnel_rows, _engine(request), chosen)
    query = urlencode({k: v for k, v in (("from", chosen.start_text), ("to", chosen.end_text)) if v})
    query = f"?{query}" if query else ""
    return render(
        request,
        "impact.html",
        "Impact: what residents needed, and where help is missing",
        report=report,
        start=chosen.start_text,
        end=chosen.end_text,
        errors=chosen.errors,
        csv_href=f"{PREFIX}/impact.csv{query}",
        referrals_csv_href=f"{PREFIX}/impact/referrals.csv{query}",
        figures=figures(report),
        all_figures=all_figures(report),
        funnel=funnel_figure(rows, names, report.min_count),
        impact_columns=", ".join(impact_report.CSV_COLUMNS),
        referral_columns=", ".join(referral_report.CSV_COLUMNS),
        retention_days=request.app[SETTINGS].impact_retention_days,
    )


async def _download(request: web.Request, name: str, chosen: Dates, text: str) -> web.Response:
    """A CSV as an attachment named for its dates; the download goes in the audit log."""
    start, end = chosen.start_text, chosen.end_text
    filename = "-".join([f"signpost-{name}", start or "start", end or "today"]) + ".csv"
    await audit(request, f"downloaded_{name}_csv", start=start or None, end=end or None)
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@routes.get(PREFIX + "/impact.csv")
@login_required
async def impact_csv(request: web.Request) -> web.Response:
    chosen = dates(request)
    report = await _report(request, chosen)
    return await _download(request, "impact", chosen, impact_report.to_csv(report))


@routes.get(PREFIX + "/impact/referrals.csv")
@login_required
async def referrals_csv(request: web.Request) -> web.Response:
    """The referral funnel week by week: the same rows as ``python -m bot impact referrals --format csv``."""
    chosen = dates(request)
    rows, _names = await blocking(_funnel_rows, _engine(request), chosen)
    min_count = request.app[SETTINGS].impact_min_count
    return await _download(request, "referrals", chosen, referral_report.to_csv(rows, min_count))
