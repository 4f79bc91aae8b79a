"""The town maps: the 169 towns shaded by a count or a rate per 1,000 residents, one view per choice the reader
can pick (a program on the index, a year on a program page, each by count and by rate), and each town page's
locator.

A view is worked out here whole (each town's shade class and hover text, and the legend), so the page draws its
first view with no script and the script only swaps classes and texts when another view is picked. Shades are
five classes cut at the quintiles of the view's published values; a value known only by its bounds is placed by
its midpoint, and its hover text gives the bounds. A masked town is hatched, never shaded as a value.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        # vars(), not dataclasses.asdict: the views are only read, and a deep copy of them all is slow.
        return [vars(view) for view in self.views]


def map_towns(towns: list[Town]) -> list[MapTown]:
    paths = town_shapes().paths
    return [MapTown(t.key, t.name, paths[t.fips]) for t in towns]


@dataclass(frozen=True)
class Measure:
    """What a view shades the towns by, and how its numbers are written."""

    unit: str
    digits: int

    def number(self, value: float) -> str:
        return f"{value:,.{self.digits}f}"

    def shown(self, point: Point) -> str:
        """A published cell: its value, or its bounds (lower-upper) where only those are known."""
        if point.value is not None:
            return self.number(point.value)
        return f"{self.number(point.lower)}-{self.number(point.upper)}"


COUNT = Measure("recipients", 0)
RATE = Measure("per 1,000 residents", 2)  # as published: rounded to hundredths


def _middle(point: Point) -> float:
    return point.value if point.value is not None else (point.lower + point.upper) / 2


def _cuts(values: list[float]) -> list[float]:
    """The upper edges of the first four classes: the quintiles of the values (nearest rank)."""
    ordered = sorted(values)
    return [ordered[min(len(ordered) - 1, (len(ordered) * k) // CLASSES)] for k in range(1, CLASSES)]


def _town_texts(counts: list[Point], rates: list[Point]) -> dict[str, str]:
    """Each town's hover text after its name: its count and, where published, its rate (a rate is masked with
    its count)."""
    rate_of = {p.series: p for p in rates if not p.is_masked}
    texts = {}
    for count in counts:
        if count.is_masked:
            texts[count.series] = "masked (too small to publish)"
            continue
        rate = rate_of.get(count.series)
        texts[count.series] = f"{COUNT.shown(count)} {COUNT.unit}" + (
            f"; {RATE.shown(rate)} {RATE.unit}" if rate else "")
    return texts


def map_view(label: str, measure: Measure, points: list[Point], towns: list[Town],
             texts: dict[str, str]) -> MapView:
    """The view shading the towns by one period's `points` (named by town, as the charts' series are)."""
    by_name = {p.series: p for p in points}
    published = [_middle(p) for p in points if not p.is_masked]
    cuts = _cuts(published) if published else []
    classes, titles = {}, {}
    for town in towns:
        point = by_name.get(town.name)
        classes[town.key] = (NO_ROW if point is None else MASKED if point.is_masked
                             else f"c{sum(_middle(point) > cut for cut in cuts)}")
        titles[town.key] = f"{town.name}: {texts.get(town.name, 'no count published')}"
    edges = [min(published, default=0), *cuts, max(published, default=0)]
    legend = [(f"c{k}", f"{measure.number(edges[k])} to {measure.number(edges[k + 1])}")
              for k in range(CLASSES) if published]
    legend.append((MASKED, "masked"))
    return MapView(label, classes, titles, legend)


def _views(label: str, counts: list[Point], rates: list[Point], towns: list[Town]) -> list[MapView]:
    """The views of one period: shaded by count, and by rate where the release carries rates."""
    texts = _town_texts(counts, rates)
    views = [map_view(label + (f", {COUNT.unit}" if rates else ""), COUNT, counts, towns, texts)]
    if rates:
        views.append(map_view(f"{label}, {RATE.unit}", RATE, rates, towns, texts))
    return views


def _by_period(points: list[Point]) -> dict:
    grouped: dict = {}
    for point in points:
        grouped.setdefault(point.period, []).append(point)
    return grouped


def index_map(programs: list[Program], counts: dict[str, list[Point]], rates: dict[str, list[Point]],
              towns: list[Town]) -> TownMap | None:
    """Recipients by town in the latest year, by program (and per 1,000 residents where published)."""
    latest = max((p.period for rows in counts.values() for p in rows), default=None)

    def in_latest(points: list[Point]) -> list[Point]:
        return [p for p in points if p.period == latest]

    views = [view for program in programs if in_latest(counts.get(program.code, []))
             for view in _views(program.name, in_latest(counts[program.code]),
                                in_latest(rates.get(program.code, [])), towns)]
    if not views:
        return None
    # The page opens on the program with the most towns published, which shows the state best.
    richest = max(range(len(views)), key=lambda i: sum(c.startswith("c") for c in views[i].classes.values()))
    return TownMap("town-map", f"Recipients by town, {latest}", town_shapes().view_box, map_towns(towns), views,
                   "Program", richest)


def program_map(program: Program, counts: list[Point], rates: list[Point], towns: list[Town]) -> TownMap | None:
    """One program's recipients by town, by year, the latest first (and per 1,000 residents where published)."""
    by_year, rates_by_year = _by_period(counts), _by_period(rates)
    views = [view for year in sorted(by_year, reverse=True)
             for view in _views(str(year), by_year[year], rates_by_year.get(year, []), towns)]
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
