"""The pages of the site and what each shows, assembled from the published file's queries and the chart specs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from ctdss.report import charts, queries
from ctdss.report.queries import Break, Point, Program, Rank, SourceRows, Town
from ctdss.report.series import INDEX_CHARTS, PROGRAM_CHARTS, TOWN_CHARTS, ChartSpec, Grain


@dataclass(frozen=True)
class ChartView:
    """One chart on a page: its figure, the rows behind it (the CSV and the data table) and where they came from."""

    spec: ChartSpec
    csv_name: str
    table: str
    grain: Grain
    figure: dict
    rows: list[Point]
    note: str = ""

    @property
    def grain_label(self) -> str:
        return "monthly" if self.grain is Grain.MONTH else "by calendar year"

    @property
    def masked(self) -> int:
        return sum(1 for p in self.rows if p.is_masked)


@dataclass(frozen=True)
class Missing:
    """A chart the page cannot draw, and why, in a sentence for the reader."""

    spec: ChartSpec
    reason: str


@dataclass
class Page:
    path: str  # relative to the site root
    template: str
    title: str
    context: dict = field(default_factory=dict)
    charts: list[ChartView | Missing] = field(default_factory=list)

    @property
    def root(self) -> str:
        return "../" * self.path.count("/")


def period_label(period: date | int) -> str:
    return period.strftime("%Y-%m") if isinstance(period, date) else str(period)


def program_slug(code: str) -> str:
    return code.lower().replace("_", "-")


def _breaks_on(grain: Grain, breaks: list[Break], points: list[Point]) -> list[Break]:
    """The breaks within the chart's periods, placed on its axis (a year's break sits on the year or January)."""
    def on_axis(period: date | int) -> date | int:
        if grain is Grain.YEAR:
            return period.year if isinstance(period, date) else period
        return period if isinstance(period, date) else date(period, 1, 1)

    if not points:
        return []
    first, last = min(p.period for p in points), max(p.period for p in points)
    placed = [Break(b.key, on_axis(b.first), on_axis(b.last)) for b in breaks]
    return [b for b in placed if first <= b.first <= last]


def _top(spec: ChartSpec, points: list[Point]) -> tuple[list[Point], list[Point], str]:
    """A top-N chart: the latest period's rows (all of them behind the chart) and the N highest published."""
    latest = max(p.period for p in points)
    rows = [p for p in points if p.period == latest]
    published = sorted((p for p in rows if not p.is_masked), key=lambda p: (-(p.lower or 0), p.series))
    masked = len(rows) - len(published)
    note = f"{period_label(latest)}; {masked} of {len(rows)} counts are masked and not ranked" if masked else ""
    return rows, published[:spec.top], note


def chart_view(spec: ChartSpec, loaded: SourceRows, subject: str, csv_stem: str,
               breaks: list[Break] = ()) -> ChartView | Missing:
    points = loaded.by_subject.get(subject, [])
    if not points:
        return Missing(spec, f"{loaded.source.table} has no rows for this page.")
    rows, drawn, note = _top(spec, points) if spec.top else (points, points, "")
    if len({p.period for p in drawn}) == 1:
        figure = charts.bar_figure(drawn, spec.measure)
        note = note or f"{period_label(drawn[0].period)}, the only period published"
    else:
        figure = charts.line_figure(drawn, spec.measure, _breaks_on(loaded.source.grain, breaks, drawn))
    return ChartView(spec, f"{csv_stem}.{spec.key}.csv", loaded.source.table, loaded.source.grain, figure, rows,
                     note)


Loaded = dict[str, SourceRows | Missing]


def _load(con: duckdb.DuckDBPyConnection, specs: tuple[ChartSpec, ...],
          columns: dict[str, set[str]]) -> Loaded:
    loaded: Loaded = {}
    for spec in specs:
        source = queries.pick_source(spec, columns)
        loaded[spec.key] = (queries.chart_rows(con, spec, source) if source
                            else Missing(spec, f"Not published yet: this chart is drawn from "
                                                 f"{' or '.join(s.table for s in spec.sources)}, which the "
                                                 f"published file does not hold yet."))
    return loaded


def _charts(specs: tuple[ChartSpec, ...], loaded: Loaded, subject: str, stem: str,
            breaks: list[Break]) -> list[ChartView | Missing]:
    return [loaded[s.key] if isinstance(loaded[s.key], Missing) else chart_view(s, loaded[s.key], subject, stem,
                                                                                 breaks) for s in specs]


def build_pages(con: duckdb.DuckDBPyConnection) -> list[Page]:
    columns = queries.table_columns(con)
    vintages = queries.vintages(con)
    common = {"synthetic": any(v.is_synthetic for v in vintages), "vintages": vintages}
    towns, programs = queries.towns(con), queries.programs(con)
    statewide_breaks, town_breaks = queries.statewide_breaks(con), queries.town_breaks(con)
    program_breaks = queries.program_breaks(con)
    ranks = queries.town_ranks(con)
    index_data, town_data, program_data = (_load(con, specs, columns)
                                           for specs in (INDEX_CHARTS, TOWN_CHARTS, PROGRAM_CHARTS))
    index = Page("index.html", "index.html", "Connecticut DSS program participation",
                 dict(common, towns=towns, programs=programs, breaks=statewide_breaks))
    index.charts = _charts(INDEX_CHARTS, index_data, "", "index", statewide_breaks)
    pages = [index]
    for town in towns:
        pages.append(_town_page(town, common, town_data, town_breaks.get(town.key, []), ranks.get(town.key, [])))
    for program in programs:
        pages.append(_program_page(program, common, program_data, program_breaks.get(program.code, [])))
    return pages


def _town_page(town: Town, common: dict, loaded: Loaded, breaks: list[Break], ranks: list[Rank]) -> Page:
    page = Page(f"towns/{town.key}.html", "town.html", town.name,
                dict(common, town=town, breaks=breaks, ranks=ranks))
    page.charts = _charts(TOWN_CHARTS, loaded, town.key, town.key, breaks)
    return page


def _program_page(program: Program, common: dict, loaded: Loaded, breaks: list[Break]) -> Page:
    slug = program_slug(program.code)
    page = Page(f"programs/{slug}.html", "program.html", program.name,
                dict(common, program=program, breaks=breaks))
    page.charts = _charts(PROGRAM_CHARTS, loaded, program.code, slug, breaks)
    return page
