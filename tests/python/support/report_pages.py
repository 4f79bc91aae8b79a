"""Reading the written site back as a reader would: the figures embedded in a page, its CSVs and tables."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def figures(page: Path) -> dict[str, dict]:
    """The plotly figures of a page, by chart key."""
    text = page.read_text(encoding="utf-8")
    found = {}
    for target, body in re.findall(r'<script type="application/json" class="chart-spec" data-target="plot-([^"]+)">'
                                   r"(.*?)</script>", text, re.S):
        found[target] = json.loads(body)
    return found


def numbers_in(value) -> list[float]:
    """Every number in a figure value: numbers as they are, and those written in hover text."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, str):
        return [float(n.replace(",", "")) for n in NUMBER.findall(value)]
    if isinstance(value, list):
        return [n for item in value for n in numbers_in(item)]
    return []


def shown_figure_numbers(figure: dict) -> list[float]:
    """The counts a figure draws or prints: its y values and hover text (error-bar widths are not counts)."""
    return [n for trace in figure["data"] for key in ("y", "customdata") for n in numbers_in(trace.get(key))
            if trace.get("yaxis") != "y2"]


def table_numbers(page: Path) -> list[float]:
    cells = re.findall(r'<td class="num">(.*?)</td>', page.read_text(encoding="utf-8"), re.S)
    return [n for cell in cells for n in numbers_in(html.unescape(cell))]


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def headings(page: Path) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])\b", page.read_text(encoding="utf-8"))]


def local_links(page: Path) -> list[str]:
    return re.findall(r'(?:href|src)="([^"#]+)', page.read_text(encoding="utf-8"))
