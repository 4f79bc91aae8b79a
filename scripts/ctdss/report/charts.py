"""Plotly figure specs (plain dicts, drawn by plotly.js in the page) from a chart's points.

Every cell is drawn by its bounds: a band from the lower to the upper bound, which closes to a line where the
count is exact, so a count known only as 0-4 (or a sum holding one) is never a point. A masked cell is a gap
in its line, marked by a grey tick at the foot of the chart whose tooltip says "masked".
"""

from __future__ import annotations

import functools
import math
import textwrap
from dataclasses import dataclass
from datetime import date

from ctdss.report.palette import BREAK_COLOUR, MASKED_COLOUR, PALETTE, SeriesStyles
from ctdss.report.queries import Number, Point

CONFIG = {"displaylogo": False, "responsive": True}
LABEL_ANGLE = 35  # degrees the category labels of a bar chart slant by
LABEL_CHAR_PX = 7.5  # about the width of one character at the charts' font size


@dataclass(frozen=True)
class BreakMark:
    """A dotted line where a chart's series crosses methodology breaks, with what changed there in its tooltip."""

    at: date | int
    notes: tuple[str, ...]

    @property
    def hovertext(self) -> str:
        return "<br>".join(_wrapped(f"Methodology break: {note}") for note in self.notes)


@functools.cache
def _wrapped(text: str) -> str:
    """Plotly wraps no hover text itself, so long descriptions are broken into lines (the same few repeat on
    every town page, hence the cache)."""
    return "<br>".join(textwrap.wrap(text, 80))


def fmt(value: Number | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def cell_text(point: Point) -> str:
    if point.is_masked:
        return "masked"
    if point.value is not None:
        return fmt(point.value)
    return f"{fmt(point.lower)} to {fmt(point.upper)} (bounds)"


def _x(period: date | int) -> str | int:
    return period.isoformat() if isinstance(period, date) else period


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _masked_trace(xs: list, texts: list[str]) -> dict:
    """Masked cells on a hidden 0-1 axis, so the tick sits at the foot of the chart and means no count."""
    return {"type": "scatter", "mode": "markers", "name": "masked (no count published)", "x": xs,
            "y": [0.02] * len(xs), "yaxis": "y2", "customdata": texts, "hovertemplate": "%{customdata}<extra></extra>",
            "marker": {"symbol": "line-ns-open", "size": 12, "color": MASKED_COLOUR, "line": {"width": 2}}}


def _layout(measure: str, *, time_axis: bool) -> dict:
    return {
        "height": 420, "margin": {"l": 70, "r": 20, "t": 30, "b": 60}, "separators": ".,",
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "size": 13},
        "hovermode": "x unified" if time_axis else "closest",
        "legend": {"orientation": "h", "y": -0.18},
        "yaxis": {"title": {"text": measure}, "rangemode": "tozero", "tickformat": ",d"},
        "yaxis2": {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
        "xaxis": {"automargin": True},
    }


def line_figure(points: list[Point], measure: str, styles: SeriesStyles, breaks: list[BreakMark] = ()) -> dict:
    by_series: dict[str, list[Point]] = {}
    for point in points:
        by_series.setdefault(point.series, []).append(point)
    data: list[dict] = []
    # Lines keep the order of the rows (by name, or by the source's own order, e.g. races as DSS lists them).
    for name, series in by_series.items():
        style, xs = styles[name], [_x(p.period) for p in series]
        line = {"color": style.colour, "width": 2, "dash": style.dash}
        data.append({"type": "scatter", "mode": "lines", "x": xs, "y": [p.upper for p in series], "line": line,
                     "legendgroup": name, "showlegend": False, "hoverinfo": "skip", "connectgaps": False})
        data.append({"type": "scatter", "mode": "lines", "name": name, "x": xs, "y": [p.lower for p in series],
                     "line": line, "legendgroup": name, "fill": "tonexty", "fillcolor": _rgba(style.colour, 0.25),
                     "connectgaps": False, "customdata": [cell_text(p) for p in series],
                     "hovertemplate": "%{customdata}<extra>" + name + "</extra>"})
    masked = [p for p in points if p.is_masked]
    if masked:
        data.append(_masked_trace([_x(p.period) for p in masked], [f"{p.series}: masked" for p in masked]))
    layout = _layout(measure, time_axis=True)
    if points and isinstance(points[0].period, int):
        layout["xaxis"].update(tickformat="d", dtick=1)
    layout["shapes"] = [{"type": "line", "xref": "x", "yref": "paper", "x0": _x(b.at), "x1": _x(b.at),
                         "y0": 0, "y1": 1, "line": {"color": BREAK_COLOUR, "width": 1, "dash": "dot"}}
                        for b in breaks]
    layout["annotations"] = [{"x": _x(b.at), "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom",
                              "text": "&#9650;", "showarrow": False, "font": {"color": BREAK_COLOUR, "size": 12},
                              "hovertext": b.hovertext, "hoverlabel": {"align": "left"}} for b in breaks]
    return {"data": data, "layout": layout, "config": CONFIG}


def bar_figure(points: list[Point], measure: str) -> dict:
    """One bar per series (a town or a program) for a single period: to the lower bound, whisker to the upper."""
    shown = [p for p in points if not p.is_masked]
    data = [{"type": "bar", "name": measure, "x": [p.series for p in shown], "y": [p.lower for p in shown],
             "marker": {"color": PALETTE[0]}, "customdata": [cell_text(p) for p in shown],
             "hovertemplate": "%{x}: %{customdata}<extra></extra>",
             "error_y": {"type": "data", "symmetric": False, "array": [p.upper - p.lower for p in shown],
                         "arrayminus": [0] * len(shown), "color": "#333333",
                         "visible": any(p.upper != p.lower for p in shown)}}]
    masked = [p for p in points if p.is_masked]
    if masked:
        data.append(_masked_trace([p.series for p in masked], [f"{p.series}: masked" for p in masked]))
    layout = _layout(measure, time_axis=False)
    # Masked categories keep their place among the others; the legend goes above the long slanted labels. The
    # chart grows by the room the slanted labels take, so they never squeeze the bars or run off the foot.
    label_room = round(max((len(p.series) for p in points), default=0) * LABEL_CHAR_PX * math.sin(
        math.radians(LABEL_ANGLE))) + 20
    layout["height"] += label_room
    layout["margin"]["b"] = label_room
    layout["xaxis"].update(type="category", tickangle=-LABEL_ANGLE, categoryorder="array",
                           categoryarray=[p.series for p in points])
    layout["legend"] = {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}
    layout["showlegend"] = bool(masked)
    return {"data": data, "layout": layout, "config": CONFIG}
