"""Drawing the charts: inline SVG built with `format_html`, with a `<title>` and
`<desc>` for screen readers. No script, no external file: colours come from CSS
classes in `static/css/charts.css`, which take them from the page's own custom
properties. The data comes from charts/data.py."""

from __future__ import annotations

import hashlib
from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .data import Dashboard, Series

# ---------------------------------------------------------------------------
# Rendering (inline SVG)
# ---------------------------------------------------------------------------

# Height of the drawing in viewBox units; CSS gives the SVG its pixel height and the
# width of its box, and the bars stretch to fit (preserveAspectRatio="none").
PLOT_HEIGHT = 100
PLOT_TOP = 6  # room above the highest bar
SLOT = 10  # width of one bar's slot in viewBox units
SERIES_CLASSES = 8  # .chart-s0 … .chart-s7 in charts.css


def chart_id(*parts) -> str:
    """A stable element id for a chart (the same page renders the same ids)."""
    key = "|".join(str(p) for p in parts)
    return "chart-" + hashlib.sha1(key.encode()).hexdigest()[:10]


def day_label(day: date, bucket: str = "day") -> str:
    if bucket == "month":
        return f"{day.year}年{day.month}月"
    return f"{day.year}年{day.month}月{day.day}日"


def _fmt(value: float) -> str:
    """Compact number for SVG attributes (no exponent, at most 2 decimals)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _scale(max_count: int) -> float:
    return (PLOT_HEIGHT - PLOT_TOP) / max_count if max_count else 0


def _svg_open(
    vb_width: float, vb_height: float, cid: str, title: str, desc: str, css: str = "", **attrs
) -> SafeString:
    extra = format_html_join("", ' {}="{}"', attrs.items())
    return format_html(
        '<svg class="chart-svg{}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'preserveAspectRatio="none" aria-labelledby="{}-title {}-desc"{}>'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>',
        f" {css}" if css else "",
        _fmt(vb_width),
        _fmt(vb_height),
        cid,
        cid,
        extra,
        cid,
        title,
        cid,
        desc,
    )


def _grid(width: float, max_count: int) -> SafeString:
    """A line at the top value and at the baseline (the zero line)."""
    top = PLOT_HEIGHT - max_count * _scale(max_count) if max_count else PLOT_TOP
    return format_html(
        '<line class="chart-grid" x1="0" x2="{w}" y1="{t}" y2="{t}" '
        'vector-effect="non-scaling-stroke"/>'
        '<line class="chart-axis" x1="0" x2="{w}" y1="{b}" y2="{b}" '
        'vector-effect="non-scaling-stroke"/>',
        w=_fmt(width),
        t=_fmt(top),
        b=PLOT_HEIGHT,
    )


def bar_chart_svg(series: Series, *, cid: str, title: str, desc: str, href=None) -> SafeString:
    """One bar per day (or month), zero days drawn as a stub on the baseline.

    `href(day, bucket)` gives the link of a bar (or None); the bars that have
    articles link to them, each with its own accessible name. The SVG has no text of its own: axis
    labels are HTML beside it, so they stay legible when the chart is squeezed.
    """
    points = series.points
    n = len(points)
    width = n * SLOT
    gap = 2 if n <= 120 else 0.6
    max_count = series.peak[1] if series.peak else 0
    scale = _scale(max_count)
    parts = [_svg_open(width, PLOT_HEIGHT, cid, title, desc), _grid(width, max_count)]
    for i, (day, count) in enumerate(points):
        x = i * SLOT + gap / 2
        label = f"{day_label(day, series.bucket)}：{count} 篇"
        if not count:
            parts.append(
                format_html(
                    '<rect class="chart-zero" x="{}" y="{}" width="{}" height="1"/>',
                    _fmt(x),
                    PLOT_HEIGHT - 1,
                    _fmt(SLOT - gap),
                )
            )
            continue
        height = max(count * scale, 1.5)
        is_peak = series.peak is not None and count == series.peak[1]
        bar = format_html(
            '<rect class="chart-hit" x="{x}" y="0" width="{w}" height="{h}"/>'
            '<rect class="chart-bar{peak}" x="{x}" y="{y}" width="{bw}" height="{bh}"/>',
            x=_fmt(i * SLOT),
            w=SLOT,
            h=PLOT_HEIGHT,
            peak=" chart-peak" if is_peak else "",
            y=_fmt(PLOT_HEIGHT - height),
            bw=_fmt(SLOT - gap),
            bh=_fmt(height),
        )
        url = href(day, series.bucket) if href else None
        if url:
            parts.append(
                format_html(
                    '<a href="{}" aria-label="{}，查看文章"><title>{}</title>{}</a>',
                    url,
                    label,
                    label,
                    bar,
                )
            )
        else:
            parts.append(format_html("<g><title>{}</title>{}</g>", label, bar))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def sparkline_svg(points: list[tuple[date, int]], *, cid: str, title: str, desc: str) -> SafeString:
    """A small line with its area, one point per day, zeros on the baseline."""
    width, height = 84, 24
    n = len(points)
    max_count = max((c for _, c in points), default=0)
    step = width / (n - 1) if n > 1 else 0
    pad = 2

    def y(count):
        if not max_count:
            return height - pad
        return height - pad - count * (height - 2 * pad) / max_count

    coords = [(i * step, y(count)) for i, (_, count) in enumerate(points)]
    line = " ".join(f"{_fmt(x)},{_fmt(yy)}" for x, yy in coords)
    area = f"M0,{height} L" + " L".join(f"{_fmt(x)},{_fmt(yy)}" for x, yy in coords)
    area += f" L{_fmt(width)},{height} Z"
    last_x, last_y = coords[-1] if coords else (0, height - pad)
    return format_html(
        '{}<path class="chart-area" d="{}"/>'
        '<polyline class="chart-line" points="{}" vector-effect="non-scaling-stroke"/>'
        '<circle class="chart-dot" cx="{}" cy="{}" r="2"/></svg>',
        _svg_open(
            width, height, cid, title, desc, "chart-spark", role="img", width=width, height=height
        ),
        area,
        line,
        _fmt(last_x),
        _fmt(last_y),
    )


def stacked_chart_svg(board: Dashboard, *, cid: str, title: str, desc: str) -> SafeString:
    """One column per day, stacked by section (series colours .chart-s0 …)."""
    n = len(board.days)
    width = n * SLOT
    max_total = max(board.totals, default=0)
    scale = _scale(max_total)
    parts = [_svg_open(width, PLOT_HEIGHT, cid, title, desc, role="img"), _grid(width, max_total)]
    for i, day in enumerate(board.days):
        x = i * SLOT + 1
        if not board.totals[i]:
            parts.append(
                format_html(
                    '<rect class="chart-zero" x="{}" y="{}" width="{}" height="1"/>',
                    x,
                    PLOT_HEIGHT - 1,
                    SLOT - 2,
                )
            )
            continue
        top = PLOT_HEIGHT
        for index, (category_id, name) in enumerate(board.categories):
            count = board.matrix.get((day, category_id), 0)
            if not count:
                continue
            height = count * scale
            top -= height
            parts.append(
                format_html(
                    '<rect class="chart-s{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{}：{} {} 篇</title></rect>",
                    index % SERIES_CLASSES,
                    x,
                    _fmt(top),
                    SLOT - 2,
                    _fmt(height),
                    day_label(day),
                    name,
                    count,
                )
            )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def flow_description(series: Series, subject: str) -> str:
    """The <desc> of a news-flow chart: period, total and the busiest day, in words."""
    if not series.points:
        return f"{subject}还没有已发布的文章。"
    period = f"{day_label(series.start, series.bucket)}至{day_label(series.end, series.bucket)}"
    unit = "每月" if series.bucket == "month" else "每天"
    text = f"{period}{unit}{subject}的已发布文章数，共 {series.total} 篇"
    if series.peak:
        text += f"，最多的是{day_label(series.peak[0], series.bucket)}（{series.peak[1]} 篇）"
    return text + "。"
