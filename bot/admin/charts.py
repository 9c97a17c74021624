"""Inline SVG charts: no JavaScript, scale with the page, readable on a phone.

Every chart takes the sentence to show instead when it has nothing to draw, so an empty
chart always says why it is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from markupsafe import Markup, escape

Number = int | float | Decimal

WIDTH = 600
#: At most this many axis labels, so they stay apart on a phone; tooltips name every bar.
MAX_LABELS = 4


def plain_number(value: Number) -> str:
    """``1,234`` or ``12.50``: a count or a cost as a chart shows it by default."""
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value != value.to_integral() or value < 1 else f"{value:,.0f}"
    return f"{value:,}"


def empty_chart(reason: str) -> Markup:
    """What stands in for a chart with nothing to draw: the reason, in words."""
    return Markup(f'<p class="chart-empty">{escape(reason)}</p>')


def no_model_calls(api_key: str | None, when: str) -> str:
    """Why a cost or token chart is empty."""
    if not api_key:
        return (
            "No model calls yet — the assistant is off until ANTHROPIC_API_KEY is set "
            "(the rules answer commands without it)."
        )
    return f"No model calls {when}."


def _svg(height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'class="chart"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _axis_labels(labels: Sequence[str], height: int) -> list[str]:
    n = max(len(labels), 1)
    slot = WIDTH / n
    step = -(-n // MAX_LABELS)  # ceiling: 14 days print every fourth day
    # The first label starts at the left edge so it is never cut off; the rest are centred.
    return [
        f'<text x="{i * slot + slot / 2:.1f}" y="{height - 4}" class="axis" '
        f'text-anchor="middle">{escape(label)}</text>'
        if i
        else f'<text x="2" y="{height - 4}" class="axis">{escape(label)}</text>'
        for i, label in enumerate(labels)
        if i % step == 0
    ]


def bar_chart(
    values: Sequence[Number],
    labels: Sequence[str],
    *,
    title: str,
    empty: str,
    height: int = 160,
    fmt: Callable[[Number], str] = plain_number,
) -> Markup:
    """A vertical bar chart; every bar carries a ``<title>`` tooltip with its value.

    Args:
        values: one value per bar (non-negative).
        labels: one label per bar; up to :data:`MAX_LABELS` are printed under the axis.
        title: the accessible name of the chart.
        empty: shown instead of the chart when every value is zero.
    """
    if not any(values):
        return empty_chart(empty)
    n = max(len(values), 1)
    top = max(float(v) for v in values) or 1.0
    slot = WIDTH / n
    plot = height - 22
    bars = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        h = float(value) / top * (plot - 4)
        bars.append(
            f'<rect x="{i * slot + slot * 0.1:.1f}" y="{plot - h:.1f}" width="{slot * 0.8:.1f}" '
            f'height="{h:.1f}" class="bar"><title>{escape(label)}: {escape(fmt(value))}</title>'
            "</rect>"
        )
    return _svg(height, title, bars + _axis_labels(labels, height))


def goal_chart(
    labels: Sequence[str],
    pledged: Sequence[Number],
    received: Sequence[Number],
    goals: Sequence[Number],
    *,
    title: str,
    empty: str,
    fmt: Callable[[Number], str] = plain_number,
    height: int = 180,
) -> Markup:
    """Pledged and received side by side per day, with each day's goal as a red line.

    Args:
        labels: one label per day.
        pledged, received, goals: one value per day (a goal of 0 draws no line).
        empty: shown instead of the chart when there is nothing at all to draw.
    """
    if not any(pledged) and not any(received) and not any(goals):
        return empty_chart(empty)
    n = max(len(labels), 1)
    top = max(float(v) for v in (*pledged, *received, *goals)) or 1.0
    slot = WIDTH / n
    plot = height - 22
    body = []
    for i, label in enumerate(labels):
        x = i * slot
        for j, (name, series) in enumerate((("pledged", pledged), ("received", received))):
            h = float(series[i]) / top * (plot - 4)
            body.append(
                f'<rect x="{x + slot * (0.1 + 0.4 * j):.1f}" y="{plot - h:.1f}" '
                f'width="{slot * 0.4:.1f}" height="{h:.1f}" class="{name}">'
                f"<title>{escape(label)}: {name} {escape(fmt(series[i]))}</title></rect>"
            )
        if goals[i]:
            y = plot - float(goals[i]) / top * (plot - 4)
            body.append(
                f'<line x1="{x + slot * 0.05:.1f}" x2="{x + slot * 0.95:.1f}" y1="{y:.1f}" '
                f'y2="{y:.1f}" class="goal"><title>{escape(label)}: goal '
                f"{escape(fmt(goals[i]))}</title></line>"
            )
    return _svg(height, title, body + _axis_labels(labels, height))


def progress_bar(
    parts: Sequence[tuple[str, Number, str]],
    goal: Number,
    *,
    title: str,
    fmt: Callable[[Number], str] = plain_number,
) -> Markup:
    """Horizontal bars of ``(label, value, css class)`` against ``goal`` (the 100 % line)."""
    row = 30
    top = max([float(goal)] + [float(v) for _, v, _ in parts]) or 1.0
    items = []
    for i, (label, value, css) in enumerate(parts):
        w = float(value) / top * (WIDTH - 10)
        y = i * row + 4
        items.append(
            f'<rect x="0" y="{y}" width="{w:.1f}" height="{row - 8}" class="{escape(css)}">'
            f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>"
            f'<text x="6" y="{y + row - 14}" class="barlabel">{escape(label)} '
            f"{escape(fmt(value))}</text>"
        )
    goal_x = float(goal) / top * (WIDTH - 10)
    total_h = row * len(parts) + 6
    items.append(
        f'<line x1="{goal_x:.1f}" x2="{goal_x:.1f}" y1="0" y2="{total_h}" class="goal">'
        f"<title>goal {escape(fmt(goal))}</title></line>"
    )
    return _svg(total_h, title, items)
