"""Server-rendered SVG charts: no JavaScript, readable on a phone, and described for screen
readers. Labels are escaped, since topic and guest names are typed by hosts."""

from __future__ import annotations

import math
from collections.abc import Sequence
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


def _open_svg(chart_id: str, title: str, summary: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]


def line_chart(
    points: Sequence[tuple[str, float]], *, title: str, chart_id: str = "chart", unit: str = ""
) -> str:
    """A line chart of labelled values in order (e.g. downloads per day), as an SVG string."""
    top = nice_max(max((value for _, value in points), default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = LINE_HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return PAD_LEFT + index * step, PAD_TOP + plot_h * (1 - value / top)

    total = sum(value for _, value in points)
    summary = (
        f"{len(points)} points from {points[0][0]} to {points[-1][0]}, total {total:g}{unit}, "
        f"highest {max(v for _, v in points):g}{unit}."
        if points
        else "No data."
    )
    parts = _open_svg(chart_id, title, summary, LINE_HEIGHT)
    parts += _gridlines(top, plot_h)
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
    parts += _x_labels(points, step)
    parts.append("</svg>")
    return "\n".join(parts)


def _gridlines(top: float, plot_h: float) -> list[str]:
    lines = []
    for i in range(5):
        value = top * i / 4
        y = PAD_TOP + plot_h * (1 - i / 4)
        lines.append(
            f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="currentColor" stroke-opacity="0.15"/>'
            f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="currentColor">{value:g}</text>'
        )
    return lines


def _x_labels(points: Sequence[tuple[str, float]], step: float) -> list[str]:
    # At most six labels, so they stay legible on a narrow screen.
    if not points:
        return []
    every = max(math.ceil(len(points) / 6), 1)
    indexes = sorted({*range(0, len(points), every), len(points) - 1})
    return [
        f'<text x="{PAD_LEFT + i * step:.1f}" y="{LINE_HEIGHT - 8}" text-anchor="middle" '
        f'font-size="12" fill="currentColor">{escape(points[i][0])}</text>'
        for i in indexes
    ]


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
