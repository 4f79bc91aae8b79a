"""The town maps: the 169 towns shaded by a count, one view per choice the reader can pick (a program on the
index, a year on a program page), and each town page's locator.

A view is worked out here whole (each town's shade class and hover text, and the legend), so the page draws its
first view with no script and the script only swaps classes and texts when another view is picked. Shades are
five classes cut at the quintiles of the view's published counts; a count known only by its bounds is placed by
its midpoint, and its hover text gives the bounds. A masked town is hatched, never shaded as a count.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ctdss.report.charts import fmt
from ctdss.report.palette import MAP_SCALE
from ctdss.report.queries import Point, Program, Town
from ctdss.report.town_shapes import WIDTH, town_shapes

MASKED = "masked"
NO_ROW = "none"
CLASSES = len(MAP_SCALE)


@dataclass(frozen=True)
class MapTown:
    key: str
    name: str
    path: str


@dataclass(frozen=True)
class MapView:
    """One thing the map can show: each town's shade class (c0 to c4, masked, none) and hover text, the legend."""

    label: str
    classes: dict[str, str]
    titles: dict[str, str]
    legend: list[tuple[str, str]]


@dataclass(frozen=True)
class TownMap:
    key: str
    caption: str
    view_box: str
    towns: list[MapTown]
    views: list[MapView]
    chooser: str = ""  # what the reader picks between views ("Program", "Year")
    first: int = 0  # the view drawn when the page opens

    @property
    def view(self) -> MapView:
        return self.views[self.first]

    @property
    def views_data(self) -> list[dict]:
        """The views as the page's script reads them."""
        return [dataclasses.asdict(view) for view in self.views]


def map_towns(towns: list[Town]) -> list[MapTown]:
    paths = town_shapes().paths
    return [MapTown(t.key, t.name, paths[t.fips]) for t in towns]


def _middle(point: Point) -> float:
    return point.value if point.value is not None else (point.lower + point.upper) / 2


def _cuts(values: list[float]) -> list[float]:
    """The upper edges of the first four classes: the quintiles of the values (nearest rank)."""
    ordered = sorted(values)
    return [ordered[min(len(ordered) - 1, (len(ordered) * k) // CLASSES)] for k in range(1, CLASSES)]


def _shown(point: Point) -> str:
    if point.value is not None:
        return fmt(point.value)
    return f"{fmt(point.lower)}-{fmt(point.upper)}"


def map_view(label: str, measure: str, points: list[Point], towns: list[Town]) -> MapView:
    """The view of one period's counts by town (`points` are named by town, as the charts' series are)."""
    by_name = {p.series: p for p in points}
    published = [_middle(p) for p in points if not p.is_masked]
    cuts = _cuts(published) if published else []
    classes, titles = {}, {}
    for town in towns:
        point = by_name.get(town.name)
        if point is None:
            classes[town.key], titles[town.key] = NO_ROW, f"{town.name}: no count published"
        elif point.is_masked:
            classes[town.key], titles[town.key] = MASKED, f"{town.name}: masked (too small to publish)"
        else:
            shade = sum(_middle(point) > cut for cut in cuts)
            classes[town.key] = f"c{shade}"
            titles[town.key] = f"{town.name}: {_shown(point)} {measure}"
    edges = [min(published, default=0), *cuts, max(published, default=0)]
    legend = [(f"c{k}", f"{fmt(edges[k])} to {fmt(edges[k + 1])}") for k in range(CLASSES) if published]
    legend.append((MASKED, "masked"))
    return MapView(label, classes, titles, legend)


def _by_period(points: list[Point]) -> dict:
    grouped: dict = {}
    for point in points:
        grouped.setdefault(point.period, []).append(point)
    return grouped


def index_map(programs: list[Program], points: dict[str, list[Point]], towns: list[Town]) -> TownMap | None:
    """Recipients by town in the latest year, one view per program with town counts."""
    latest = max((p.period for rows in points.values() for p in rows), default=None)
    views = [map_view(program.name, f"{program.name} recipients",
                      [p for p in points.get(program.code, []) if p.period == latest], towns)
             for program in programs if points.get(program.code)]
    if not views:
        return None
    # The page opens on the program with the most towns published, which shows the state best.
    richest = max(range(len(views)), key=lambda i: sum(c.startswith("c") for c in views[i].classes.values()))
    return TownMap("town-map", f"Recipients by town, {latest}", town_shapes().view_box, map_towns(towns), views,
                   "Program", richest)


def program_map(program: Program, points: list[Point], towns: list[Town]) -> TownMap | None:
    """One program's recipients by town, one view per year, the latest first."""
    by_year = _by_period(points)
    views = [map_view(str(year), f"{program.name} recipients in {year}", by_year[year], towns)
             for year in sorted(by_year, reverse=True)]
    if not views:
        return None
    return TownMap("town-map", f"{program.name} recipients by town", town_shapes().view_box, map_towns(towns),
                   views, "Year")


@dataclass(frozen=True)
class Locator:
    """A town page's small map: the town's outline drawn over the outlines of all the towns (a shared asset)."""

    view_box: str
    width: int
    height: int
    path: str


def locator(town: Town) -> Locator:
    shapes = town_shapes()
    return Locator(shapes.view_box, WIDTH, shapes.height, shapes.paths[town.fips])
