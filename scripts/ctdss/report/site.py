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


def _on_axis(grain: Grain, period: date | int) -> date | int:
    """A period placed on a chart's axis: a month's year on a yearly axis, a year's January on a monthly one."""
    if grain is Grain.YEAR:
        return period.year if isinstance(period, date) else period
    return period if isinstance(period, date) else date(period, 1, 1)


def _break_marks(grain: Grain, breaks: list[Break], points: list[Point]) -> list[charts.BreakMark]:
    """Where the chart's series cross a break: the first period an event flags, and the first after the last
    it flags, when they fall inside the chart. An event flagging every period shown breaks nothing on it."""
    periods = sorted({p.period for p in points})
    if not periods:
        return []
    notes: dict[date | int, list[str]] = {}
    for b in breaks:
        first, last = _on_axis(grain, b.first), _on_axis(grain, b.last)
        if periods[0] < first <= periods[-1]:
            notes.setdefault(first, []).append(f"{b.label} from {period_label(first)}. {b.description}")
        after = next((p for p in periods if p > last), None)
        if after is not None and last >= periods[0]:
            notes.setdefault(after, []).append(f"{b.label} ends after {period_label(last)}. {b.description}")
    return [charts.BreakMark(at, tuple(text)) for at, text in sorted(notes.items())]


@dataclass(frozen=True)
class BreakRow:
    """One methodology event in a page's table, with the periods it flags on each grain of the page's data."""

    key: str
    label: str
    description: str
    spans: tuple[str, ...]


def break_rows(breaks: dict[Grain, list[Break]]) -> list[BreakRow]:
    rows: dict[str, BreakRow] = {}
    for grain, events in breaks.items():
        for b in events:
            span = period_label(b.first) + (f" to {period_label(b.last)}" if b.last != b.first else "")
            span += " (monthly)" if grain is Grain.MONTH else " (annual)"
            row = rows.get(b.key) or BreakRow(b.key, b.label, b.description, ())
            rows[b.key] = BreakRow(row.key, row.label, row.description, (*row.spans, span))
    return list(rows.values())


def _latest(points: list[Point]) -> tuple[list[Point], list[Point], str]:
    """A latest-period chart: the latest period's rows, all of them drawn (masked ones as ticks)."""
    latest = max(p.period for p in points)
    rows = [p for p in points if p.period == latest]
    return rows, rows, ""


def _top(spec: ChartSpec, points: list[Point]) -> tuple[list[Point], list[Point], str]:
    """A top-N chart: the latest period's rows (all of them behind the chart) and the N highest published."""
    rows, _, _ = _latest(points)
    latest = rows[0].period
    published = sorted((p for p in rows if not p.is_masked), key=lambda p: (-(p.lower or 0), p.series))
    masked = len(rows) - len(published)
    note = f"{period_label(latest)}; {masked} of {len(rows)} counts are masked and not ranked" if masked else ""
    return rows, published[:spec.top], note


def chart_view(spec: ChartSpec, loaded: SourceRows, subject: str, csv_stem: str) -> ChartView | Missing:
    points = loaded.by_subject.get(subject, [])
    if not points:
        return Missing(spec, f"{loaded.source.table} has no rows for this page.")
    rows, drawn, note = (_top(spec, points) if spec.top else _latest(points) if spec.latest
                         else (points, points, ""))
    if len({p.period for p in drawn}) == 1:
        figure = charts.bar_figure(drawn, spec.measure)
        note = note or (period_label(drawn[0].period) if spec.latest
                        else f"{period_label(drawn[0].period)}, the only period published")
    else:
        marks = _break_marks(loaded.source.grain, loaded.breaks.get(subject, []), drawn)
        figure = charts.line_figure(drawn, spec.measure, marks)
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


def _charts(specs: tuple[ChartSpec, ...], loaded: Loaded, subject: str, stem: str) -> list[ChartView | Missing]:
    return [loaded[s.key] if isinstance(loaded[s.key], Missing) else chart_view(s, loaded[s.key], subject, stem)
            for s in specs]


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
                 dict(common, towns=towns, programs=programs, breaks=break_rows({Grain.MONTH: statewide_breaks}),
                      town_breaks=break_rows({grain: by_town.get("", []) for grain, by_town in
                                              queries.town_breaks(con, "''").items()})))
    index.charts = _charts(INDEX_CHARTS, index_data, "", "index")
    pages = [index]
    for town in towns:
        breaks = {grain: by_town.get(town.key, []) for grain, by_town in town_breaks.items()}
        pages.append(_town_page(town, common, town_data, breaks, ranks.get(town.key, [])))
    for program in programs:
        pages.append(_program_page(program, common, program_data, program_breaks.get(program.code, [])))
    return pages


def _town_page(town: Town, common: dict, loaded: Loaded, breaks: dict[Grain, list[Break]],
               ranks: list[Rank]) -> Page:
    page = Page(f"towns/{town.key}.html", "town.html", town.name,
                dict(common, town=town, breaks=break_rows(breaks), ranks=ranks))
    page.charts = _charts(TOWN_CHARTS, loaded, town.key, town.key)
    return page


def _program_page(program: Program, common: dict, loaded: Loaded, breaks: list[Break]) -> Page:
    slug = program_slug(program.code)
    page = Page(f"programs/{slug}.html", "program.html", program.name,
                dict(common, program=program, breaks=break_rows({Grain.MONTH: breaks})))
    page.charts = _charts(PROGRAM_CHARTS, loaded, program.code, slug)
    return page
