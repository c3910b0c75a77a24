"""Figure builders: plotly figure specs as plain data, and sparklines as inline SVG.

Figures are built as the plotly.js JSON schema directly (a dict of traces and layout), not
through plotly's Python graph objects: validating those costs tens of milliseconds a figure,
and pages must be served in well under that. The browser draws them with the plotly.js that
the plotly package ships, served from our own static files (static/js/charts.js).

Colours are the Okabe-Ito palette, which stays distinct under the common colour-vision
deficiencies; every series also differs by line style or marker shape, never by colour alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from sufficiency.declaration import Indicator
from sufficiency.reports import Published

BLUE = "#0072B2"  # the authority
ORANGE = "#E69F00"  # target
GREEN = "#009E73"  # statistical neighbours
BLACK = "#000000"  # England
VERMILION = "#D55E00"  # the authority's own published figure
GRID = "#d8dde0"
TEXT = "#0b0c0c"

Point = tuple[dt.date, float | None]


@dataclass(frozen=True)
class Chart:
    """What a template needs to draw a chart: an element id, the figure, and its words."""

    element_id: str
    figure: dict[str, Any]
    summary: str
    title: str


def axis_title(definition: Indicator) -> str:
    if definition.unit == "percent":
        return "Per cent"
    if definition.unit == "rate":
        return "Per 10,000 children"
    if definition.unit == "money":
        return "Pounds"
    return "Children"


def trend_figure(
    *,
    definition: Indicator,
    points: Sequence[Point],
    targets: Sequence[Point] = (),
    published: Sequence[Published] = (),
    la_name: str = "This authority",
) -> dict[str, Any]:
    """The monthly trend with the target as a stepped line and the published 31 March figures
    (England, the neighbours' mean, the authority's own) as markers.

    A point whose value is None (not computed, or suppressed for the committee) is a gap.
    """
    dates = [day.isoformat() for day, _ in points]
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers" if len(points) < 40 else "lines",
            "name": f"{la_name} (monthly)",
            "x": dates,
            "y": [value for _, value in points],
            "line": {"color": BLUE, "width": 3},
            "marker": {"color": BLUE, "size": 5},
            "connectgaps": False,
            "hovertemplate": "%{x|%d %B %Y}: %{y}<extra></extra>",
        }
    ]
    if any(value is not None for _, value in targets):
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Target",
                "x": [day.isoformat() for day, _ in targets],
                "y": [value for _, value in targets],
                "line": {"color": ORANGE, "width": 2, "dash": "dash", "shape": "hv"},
                "connectgaps": False,
                "hovertemplate": "Target from %{x|%d %B %Y}: %{y}<extra></extra>",
            }
        )
    for name, attribute, colour, symbol in (
        ("Statistical neighbours' mean (31 March)", "neighbours_mean", GREEN, "diamond"),
        ("England (31 March)", "england", BLACK, "square"),
        (f"{la_name}, as published (31 March)", "own", VERMILION, "x"),
    ):
        shown = [p for p in published if getattr(p, attribute) is not None]
        if not shown:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "x": [p.period_end.isoformat() for p in shown],
                "y": [getattr(p, attribute) for p in shown],
                "marker": {"color": colour, "symbol": symbol, "size": 10},
                "hovertemplate": "%{x|%d %B %Y}: %{y}<extra>" + name + "</extra>",
            }
        )
    suffix = "%" if definition.unit == "percent" else ""
    prefix = "£" if definition.unit == "money" else ""
    return {
        "data": traces,
        "layout": {
            "margin": {"l": 60, "r": 20, "t": 10, "b": 40},
            "height": 380,
            "font": {"family": "Arial, Helvetica, sans-serif", "size": 14, "color": TEXT},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "xaxis": {"type": "date", "gridcolor": GRID, "tickformat": "%b %Y"},
            "yaxis": {
                "title": {"text": axis_title(definition)},
                "gridcolor": GRID,
                "rangemode": "tozero",
                "ticksuffix": suffix,
                "tickprefix": prefix,
                "separatethousands": True,
            },
            "legend": {"orientation": "h", "y": -0.18},
            "hovermode": "closest",
        },
        "config": {
            "displaylogo": False,
            "responsive": True,
            "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        },
    }


SMALL_HEIGHT = 220


def make_small(figure: dict[str, Any]) -> None:
    """Shrink a trend figure to sit beside the figures it charts: two of them, with their
    words, fit on a printed A4 page (the committee report)."""
    layout = figure["layout"]
    layout["height"] = SMALL_HEIGHT
    layout["margin"] = {"l": 50, "r": 10, "t": 10, "b": 30}
    layout["font"] = {**layout["font"], "size": 11}
    layout["legend"] = {**layout["legend"], "y": -0.25, "font": {"size": 10}}
    layout["xaxis"] = {**layout["xaxis"], "nticks": 4}
    figure["config"]["displayModeBar"] = False


def sparkline_svg(
    values: Sequence[float | None], *, width: int = 160, height: int = 36
) -> SafeString:
    """A small line of the recent values as inline SVG, hidden from screen readers (the card
    says the same in words). Gaps (None) break the line."""
    numbers = [v for v in values if v is not None]
    if len(numbers) < 2:
        return mark_safe("")  # noqa: S308 - a constant
    low, high = min(numbers), max(numbers)
    span = (high - low) or 1.0
    step = (width - 4) / max(len(values) - 1, 1)
    segments: list[list[str]] = [[]]
    for position, value in enumerate(values):
        if value is None:
            segments.append([])
            continue
        x = 2 + position * step
        y = height - 3 - (value - low) / span * (height - 6)
        segments[-1].append(f"{x:.1f},{y:.1f}")
    lines = "".join(
        f'<polyline points="{" ".join(segment)}" />' for segment in segments if len(segment) > 1
    )
    last_x, last_y = segments[-1][-1].split(",") if segments[-1] else (None, None)
    dot = f'<circle cx="{last_x}" cy="{last_y}" r="3" />' if last_x is not None else ""
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {} {}" width="{}" height="{}" aria-hidden="true" '
        'focusable="false">{}{}</svg>',
        width,
        height,
        width,
        height,
        mark_safe(lines),  # noqa: S308 - numbers we formatted above
        mark_safe(dot),  # noqa: S308 - numbers we formatted above
    )


def lines_figure(
    *, series: Sequence[tuple[str, Sequence[Point]]], y_title: str, prefix: str = ""
) -> dict[str, Any]:
    """Several monthly series on one chart, each with its own colour and line style."""
    styles = [(BLUE, "solid", "circle"), (VERMILION, "dash", "square"), (GREEN, "dot", "diamond")]
    traces = []
    for (name, points), (colour, dash, symbol) in zip(series, styles, strict=False):
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": [day.isoformat() for day, _ in points],
                "y": [value for _, value in points],
                "line": {"color": colour, "width": 3, "dash": dash},
                "marker": {"color": colour, "symbol": symbol},
                "connectgaps": False,
                "hovertemplate": "%{x|%d %B %Y}: %{y}<extra>" + name + "</extra>",
            }
        )
    return {
        "data": traces,
        "layout": {
            "margin": {"l": 60, "r": 20, "t": 10, "b": 40},
            "height": 360,
            "font": {"family": "Arial, Helvetica, sans-serif", "size": 14, "color": TEXT},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "xaxis": {"type": "date", "gridcolor": GRID, "tickformat": "%b %Y"},
            "yaxis": {
                "title": {"text": y_title},
                "gridcolor": GRID,
                "rangemode": "tozero",
                "tickprefix": prefix,
                "separatethousands": True,
            },
            "legend": {"orientation": "h", "y": -0.18},
            "hovermode": "closest",
        },
        "config": {"displaylogo": False, "responsive": True},
    }
