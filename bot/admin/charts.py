"""Inline SVG charts: no JavaScript, scale with the page, readable on a phone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from markupsafe import Markup, escape

Number = int | float | Decimal


def plain_number(value: Number) -> str:
    """``1,234`` or ``12.50``: a count or a cost as a chart shows it by default."""
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value != value.to_integral() or value < 1 else f"{value:,.0f}"
    return f"{value:,}"


def bar_chart(
    values: Sequence[Number],
    labels: Sequence[str],
    *,
    title: str,
    height: int = 120,
    fmt: Callable[[Number], str] = plain_number,
) -> Markup:
    """A vertical bar chart; every bar carries a ``<title>`` tooltip with its value.

    Args:
        values: one value per bar (non-negative).
        labels: one label per bar; about every fourth is printed under the axis.
        title: the accessible name of the chart.
    """
    width = 600
    n = max(len(values), 1)
    top = max((float(v) for v in values), default=0.0) or 1.0
    slot = width / n
    bars = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        h = (float(value) / top) * (height - 20)
        x = i * slot + slot * 0.1
        y = height - 16 - h
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
            f'class="bar"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
        )
        if n <= 14 or i % max(n // 6, 1) == 0:
            bars.append(
                f'<text x="{x + slot * 0.4:.1f}" y="{height - 3}" class="axis" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return Markup(
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'class="chart"><title>{escape(title)}</title>{"".join(bars)}</svg>'
    )


def progress_bar(
    parts: Sequence[tuple[str, Number, str]],
    goal: Number,
    *,
    title: str,
    fmt: Callable[[Number], str] = plain_number,
) -> Markup:
    """Horizontal bars of ``(label, value, css class)`` against ``goal`` (the 100 % line)."""
    width, row = 600, 26
    top = max([float(goal)] + [float(v) for _, v, _ in parts]) or 1.0
    items = []
    for i, (label, value, css) in enumerate(parts):
        w = float(value) / top * (width - 10)
        y = i * row + 4
        items.append(
            f'<rect x="0" y="{y}" width="{w:.1f}" height="{row - 8}" class="{escape(css)}">'
            f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>"
            f'<text x="6" y="{y + row - 13}" class="barlabel">{escape(label)} '
            f"{escape(fmt(value))}</text>"
        )
    goal_x = float(goal) / top * (width - 10)
    total_h = row * len(parts) + 6
    items.append(
        f'<line x1="{goal_x:.1f}" x2="{goal_x:.1f}" y1="0" y2="{total_h}" class="goal">'
        f"<title>goal {escape(fmt(goal))}</title></line>"
    )
    return Markup(
        f'<svg viewBox="0 0 {width} {total_h}" role="img" aria-label="{escape(title)}" '
        f'class="chart"><title>{escape(title)}</title>{"".join(items)}</svg>'
    )
