"""The Impact page's body: charts as inline SVG, each with a table of the same numbers beside it.

No script and no chart library: a bar chart is a few rectangles. Each chart is
one ``role="img"`` with a label saying where its numbers are, and each bar has
a ``<title>`` (a tooltip). Suppressed counts ("<5") get no bar, so the bar's
length cannot give the number away.
"""

from __future__ import annotations

import html
from typing import Any, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlencode

from bot.impact.report import NEED_LABELS, Report

BAR = "#005a9c"  # 7:1 on white; text is #1b1b1b
ROW, LABEL_W, BAR_W, VALUE_W = 26, 190, 300, 60


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def need_label(need: str) -> str:
    return NEED_LABELS.get(need, need)


def bar_chart(title: str, items: Sequence[Tuple[str, int]], report: Report) -> str:
    """Horizontal bars; the caller puts the table with the same numbers beside it."""
    if not items:
        return ""
    visible = [n for _, n in items if report.shown(n) == str(n)]
    top = max(visible, default=0) or 1
    height = ROW * len(items) + 8
    width = LABEL_W + BAR_W + VALUE_W
    bars = []
    for i, (label, n) in enumerate(items):
        y = 4 + i * ROW
        shown = report.shown(n)
        length = 0 if shown != str(n) else max(1, round(BAR_W * n / top)) if n else 0
        short = label if len(label) <= 24 else label[:23] + "…"
        bars.append(
            f'<g><title>{e(label)}: {e(shown)}</title>'
            f'<text x="{LABEL_W - 6}" y="{y + 17}" text-anchor="end" fill="#1b1b1b" font-size="13">{e(short)}</text>'
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{length}" height="{ROW - 8}" fill="{BAR}"></rect>'
            f'<text x="{LABEL_W + length + 6}" y="{y + 17}" fill="#1b1b1b" font-size="13">{e(shown)}</text></g>'
        )
    return (f'<svg role="img" aria-label="{e(title)}: bar chart. The same numbers are in the table beside it." '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
            f'{"".join(bars)}</svg>')


def table(table_id: str, caption: str, headers: Sequence[str], rows: Iterable[Sequence[str]],
          numeric_from: int) -> str:
    """A data table; columns from ``numeric_from`` on are numbers (right-aligned)."""
    head = "".join(f'<th scope="col"{" class=num" if i >= numeric_from else ""}>{e(h)}</th>'
                   for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(
            (f'<th scope="row">{e(v)}</th>' if i == 0 else f'<td{" class=num" if i >= numeric_from else ""}>{e(v)}</td>')
            for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    if not body:
        body = f'<tr><td colspan="{len(headers)}">Nothing recorded in these dates.</td></tr>'
    return f'<table id="{table_id}"><caption>{e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def figure(section_id: str, heading: str, intro: str, chart: str, data_table: str) -> str:
    return (f'<section aria-labelledby="{section_id}-h"><h2 id="{section_id}-h">{e(heading)}</h2>'
            f'{f"<p>{intro}</p>" if intro else ""}<div class="pair">{chart}{data_table}</div></section>')


def render(report: Report, prefix: str, start: str, end: str, errors: List[str],
           retention_days: Optional[int] = None) -> str:
    """The page body for ``report`` (already read for the dates in the form)."""
    shown = report.shown
    query = urlencode({k: v for k, v in (("from", start), ("to", end)) if v})
    csv_href = f"{prefix}/impact.csv" + (f"?{query}" if query else "")
    span = f"from {report.start or 'the first record'} to {report.end or 'today'}"
    parts = [
        "".join(f'<p class="error" role="alert">{e(m)}</p>' for m in errors),
        f'<form method="get" action="{prefix}/impact"><fieldset><legend>Dates (UTC, both days included)</legend>'
        f'<label for="from">From</label><input type="date" id="from" name="from" value="{e(start)}">'
        f'<label for="to">To</label><input type="date" id="to" name="to" value="{e(end)}">'
        '<button type="submit">Show figures</button></fieldset></form>',
        f"<p>Answers given {e(span)}: <strong>{e(shown(report.total()))}</strong>. "
        f"Counts under {report.min_count} are shown as &lt;{report.min_count} to protect residents. "
        "An answer is one list of places for one need; a resident can get several. No names, messages, "
        "full postcodes or conversation ids are kept: see docs/impact.md.</p>",
        f'<p><a href="{e(csv_href)}" download>Download these figures as CSV</a> '
        "(columns week, channel, need, outcode, count, unmet).</p>",
    ]
    weeks = report.by_week()
    parts.append(figure("weeks", "Needs by week", "", bar_chart("Answers by week", weeks, report),
                        table("by-week", "Answers by week", ("Week starting", "Answers"),
                              ((w, shown(n)) for w, n in weeks), 1)))
    channels = report.by_channel()
    parts.append(figure("channels", "Needs by channel", "", bar_chart("Answers by channel", channels, report),
                        table("by-channel", "Answers by channel", ("Channel", "Answers"),
                              ((c, shown(n)) for c, n in channels), 1)))
    needs = [(need_label(k), n) for k, n in report.by_need()]
    parts.append(figure("needs", "What residents needed", "", bar_chart("Answers by need", needs, report),
                        table("by-need", "Answers by need", ("Need", "Answers"),
                              ((k, shown(n)) for k, n in needs), 1)))
    areas = report.top_areas()
    parts.append(figure("areas", "Top areas", "Outward codes (the first half of a postcode) with the most answers.",
                        bar_chart("Answers by area", areas, report),
                        table("top-areas", "Top areas by answers", ("Outward code", "Answers"),
                              ((o, shown(n)) for o, n in areas), 1)))
    unmet = report.unmet()
    parts.append(figure(
        "unmet", "Unmet need", "Needs asked in an area where no hub offering that service is within 3 miles: "
        "the gaps to fill.",
        bar_chart("Unmet need by area and need", [(f"{o} {need_label(k)}", n) for o, k, n in unmet], report),
        table("unmet", "Unmet need by outward code and need", ("Outward code", "Need", "Answers"),
              ((o, need_label(k), shown(n)) for o, k, n in unmet), 2)))
    missed = report.misunderstood_by_week()
    parts.append(figure("misunderstood", "Messages not understood", "Counted only: the messages are not kept here.",
                        "", table("misunderstood", "Messages not understood, by week", ("Week starting", "Messages"),
                                  ((w, shown(n)) for w, n in missed), 1)))
    parts.append("<details><summary>All figures (the same rows as the CSV)</summary>"
                 + table("all-figures", "Answers by week, channel, need and outward code",
                         ("Week starting", "Channel", "Need", "Outward code", "Answers", "Unmet"),
                         report.csv_rows(), 4) + "</details>")
    if retention_days:
        parts.append(f"<p>Records are kept for {retention_days} days.</p>")
    return "".join(parts)
