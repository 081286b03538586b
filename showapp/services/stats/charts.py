"""Server-rendered SVG charts: no JavaScript, readable on a phone, and described for screen
readers. Labels are escaped, since topic and guest names are typed by hosts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
LINE_HEIGHT = 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 12, 16, 32
BAR_ROW = 28
BAR_LABEL = 180


def nice_max(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _open_svg(
    chart_id: str, title: str, summary: str, height: int, width: int = WIDTH
) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]


@dataclass(frozen=True)
class Size:
    """A chart's drawing box: it scales to the page width, so text drawn at 12 units reads
    at 12 px only where the page is about as wide as the box."""

    width: int = WIDTH
    height: int = LINE_HEIGHT
    max_labels: int = 6


# For phones: the box of a 390 px screen, so labels stay about 12 px tall.
COMPACT = Size(width=360, height=220, max_labels=4)
AXIS_TITLE = 18
# Room between two x-axis labels' anchors, for a label like "26 Nov" at 12 units.
LABEL_GAP = 70


@dataclass(frozen=True)
class _Plot:
    left: float
    top: float
    width: float
    height: float
    size: Size


def line_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    chart_id: str = "chart",
    unit: str = "",
    x_label: str = "",
    y_label: str = "",
    whole: bool = False,
    size: Size | None = None,
) -> str:
    """A line chart of labelled values in order (e.g. downloads per day), as an SVG string.

    x_label and y_label title the axes; whole keeps the axis ticks on whole numbers (counts).
    """
    size = size or Size()
    top = nice_max(max((value for _, value in points), default=0))
    plot = _plot_area(size, bool(x_label), bool(y_label))
    step = plot.width / max(len(points) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return plot.left + index * step, plot.top + plot.height * (1 - value / top)

    total = sum(value for _, value in points)
    summary = (
        f"{len(points)} points from {points[0][0]} to {points[-1][0]}, total {total:g}{unit}, "
        f"highest {max(v for _, v in points):g}{unit}."
        if points
        else "No data."
    )
    parts = _open_svg(chart_id, title, summary, size.height, size.width)
    parts += _gridlines(top, plot, _divisions(top, whole))
    parts += _axis_titles(plot, x_label, y_label)
    coords = [xy(i, value) for i, (_, value) in enumerate(points)]
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="currentColor" stroke-width="2"/>'
        )
    for (label, value), (x, y) in zip(points, coords, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="currentColor">'
            f"<title>{escape(label)}: {value:g}{escape(unit)}</title></circle>"
        )
    parts += _x_labels(points, step, plot)
    parts.append("</svg>")
    return "\n".join(parts)


def _plot_area(size: Size, x_title: bool, y_title: bool) -> _Plot:
    left = PAD_LEFT + (AXIS_TITLE if y_title else 0)
    bottom = PAD_BOTTOM + (AXIS_TITLE if x_title else 0)
    return _Plot(
        left=left,
        top=PAD_TOP,
        width=size.width - left - PAD_RIGHT,
        height=size.height - PAD_TOP - bottom,
        size=size,
    )


def _divisions(top: float, whole: bool) -> int:
    # Counts read badly as 0.25 downloads: pick a split of the axis that lands on whole numbers.
    if whole:
        for divisions in (5, 4, 2, 1):
            if (top / divisions).is_integer():
                return divisions
    return 4


def _gridlines(top: float, plot: _Plot, divisions: int) -> list[str]:
    lines = []
    right = plot.left + plot.width
    for i in range(divisions + 1):
        value = top * i / divisions
        y = plot.top + plot.height * (1 - i / divisions)
        lines.append(
            f'<line x1="{plot.left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="currentColor" stroke-opacity="0.15"/>'
            f'<text x="{plot.left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="currentColor">{value:g}</text>'
        )
    return lines


def _axis_titles(plot: _Plot, x_label: str, y_label: str) -> list[str]:
    titles = []
    if x_label:
        titles.append(
            f'<text class="axis-title" x="{plot.left + plot.width / 2:.1f}" '
            f'y="{plot.size.height - 4}" text-anchor="middle" font-size="12" '
            f'fill="currentColor">{escape(x_label)}</text>'
        )
    if y_label:
        middle = plot.top + plot.height / 2
        titles.append(
            f'<text class="axis-title" x="12" y="{middle:.1f}" text-anchor="middle" '
            f'font-size="12" fill="currentColor" transform="rotate(-90 12 {middle:.1f})">'
            f"{escape(y_label)}</text>"
        )
    return titles


def _x_labels(points: Sequence[tuple[str, float]], step: float, plot: _Plot) -> list[str]:
    # A few labels only, so they stay legible on a narrow screen; the last point is always
    # labelled (ending at the plot's edge), and the regular label before it is dropped when
    # the two would touch.
    if not points:
        return []
    every = max(math.ceil(len(points) / plot.size.max_labels), 1)
    indexes = list(range(0, len(points), every))
    last = len(points) - 1
    if indexes[-1] != last:
        if len(indexes) > 1 and (last - indexes[-1]) * step < LABEL_GAP:
            indexes.pop()
        indexes.append(last)
    y = plot.top + plot.height + 18
    return [
        f'<text x="{plot.left + i * step:.1f}" y="{y:.1f}" text-anchor="{_anchor(i, last)}" '
        f'font-size="12" fill="currentColor">{escape(points[i][0])}</text>'
        for i in indexes
    ]


def _anchor(index: int, last: int) -> str:
    # The last label ends at the right edge of the plot instead of running past the chart.
    return "end" if index == last and last > 0 else "middle"


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, chart_id: str = "bars") -> str:
    """Horizontal bars, one per labelled value (downloads by topic, guest, app...)."""
    height = PAD_TOP + BAR_ROW * max(len(rows), 1) + 8
    top = nice_max(max((value for _, value in rows), default=0))
    plot_w = WIDTH - BAR_LABEL - PAD_RIGHT - 48
    summary = "; ".join(f"{label}: {value:g}" for label, value in rows) or "No data."
    parts = _open_svg(chart_id, title, summary, height)
    for i, (label, value) in enumerate(rows):
        y = PAD_TOP + i * BAR_ROW
        width = plot_w * value / top
        shown = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f"<g><title>{escape(label)}: {value:g}</title>"
            f'<text x="{BAR_LABEL - 8}" y="{y + 17}" text-anchor="end" font-size="13" '
            f'fill="currentColor">{escape(shown)}</text>'
            f'<rect x="{BAR_LABEL}" y="{y + 4}" width="{width:.1f}" height="{BAR_ROW - 8}" '
            f'fill="currentColor" fill-opacity="0.7"/>'
            f'<text x="{BAR_LABEL + width + 6:.1f}" y="{y + 17}" font-size="13" '
            f'fill="currentColor">{value:g}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def sparkline(points: Sequence[tuple[str, float]], *, title: str, chart_id: str) -> str:
    """A small line of daily figures for a card: no axes, the last point marked. Its title
    and description carry the figures, so a screen reader hears them."""
    width, height, pad = 120, 36, 3
    values = [value for _, value in points] or [0.0]
    top = max(values) or 1.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    coords = [
        (pad + index * step, height - pad - (value / top) * (height - 2 * pad))
        for index, value in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    summary = ", ".join(f"{label}: {value:g}" for label, value in points)
    last_x, last_y = coords[-1]
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 {width} '
            f'{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
            f'<polyline points="{path}" fill="none" stroke="currentColor" stroke-width="2" '
            'stroke-linejoin="round" stroke-linecap="round"/>',
            f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3" fill="currentColor"/>',
            "</svg>",
        ]
    )
