"""The pages of the site and what each shows, assembled from the published file's queries and the chart specs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from ctdss.report import charts, queries, town_map
from ctdss.report.palette import SeriesStyles
from ctdss.report.queries import Break, Point, Program, Rank, SourceRows, Town
from ctdss.report.series import INDEX_CHARTS, PROGRAM_CHARTS, TOWN_CHARTS, TOWN_MAP, TOWN_RATE_MAP, ChartSpec, Grain


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


def _latest_note(points: list[Point]) -> str:
    """Which period a latest-period chart shows, and why that one: the latest of those published."""
    periods = sorted({p.period for p in points})
    if len(periods) == 1:
        return f"{period_label(periods[0])}, the only period published"
    return (f"{period_label(periods[-1])}, the latest of the periods published, "
            f"{period_label(periods[0])} to {period_label(periods[-1])}")


def _latest(points: list[Point]) -> tuple[list[Point], list[Point], str]:
    """A latest-period chart: the latest period's rows, all of them drawn (masked ones as ticks)."""
    latest = max(p.period for p in points)
    rows = [p for p in points if p.period == latest]
    return rows, rows, _latest_note(points)


def _top(spec: ChartSpec, points: list[Point]) -> tuple[list[Point], list[Point], str]:
    """A top-N chart: the latest period's rows (all of them behind the chart) and the N highest published."""
    rows, _, note = _latest(points)
    published = sorted((p for p in rows if not p.is_masked), key=lambda p: (-(p.lower or 0), p.series))
    masked = len(rows) - len(published)
    if masked:
        note += f"; {masked} of {len(rows)} counts are masked and not ranked"
    return rows, published[:spec.top], note


def chart_view(spec: ChartSpec, loaded: SourceRows, subject: str, label: str, csv_stem: str,
               styles: SeriesStyles) -> ChartView | Missing:
    points = loaded.by_subject.get(subject, [])
    if not points:
        return Missing(spec, f"No counts of this kind are published for {label}.")
    rows, drawn, note = (_top(spec, points) if spec.top else _latest(points) if spec.latest
                         else (points, points, ""))
    if len({p.period for p in drawn}) == 1:
        figure = charts.bar_figure(drawn, spec.measure)
        note = note or _latest_note(drawn)
    else:
        marks = _break_marks(loaded.source.grain, loaded.breaks.get(subject, []), drawn)
        figure = charts.line_figure(drawn, spec.measure, styles, marks)
    return ChartView(spec, f"{csv_stem}.{spec.key}.csv", loaded.source.table, loaded.source.grain, figure, rows,
                     note)


Loaded = dict[str, SourceRows | Missing]


def _load(con: duckdb.DuckDBPyConnection, specs: tuple[ChartSpec, ...],
          columns: dict[str, set[str]]) -> Loaded:
    loaded: Loaded = {}
    for spec in specs:
        source = queries.pick_source(spec, columns)
        loaded[spec.key] = (queries.chart_rows(con, spec, source) if source
                            else Missing(spec, "Not published yet: the counts behind this chart are not in "
                                               "this release of the data."))
    return loaded


def _charts(specs: tuple[ChartSpec, ...], loaded: Loaded, subject: str, label: str, stem: str,
            styles: SeriesStyles) -> list[ChartView | Missing]:
    return [loaded[s.key] if isinstance(loaded[s.key], Missing)
            else chart_view(s, loaded[s.key], subject, label, stem, styles) for s in specs]


def _has_rows(loaded: Loaded, subject: str) -> bool:
    return any(isinstance(rows, SourceRows) and rows.by_subject.get(subject) for rows in loaded.values())


def series_styles(*pages: tuple[tuple[ChartSpec, ...], Loaded]) -> SeriesStyles:
    """One style per series name drawn as a line anywhere on the site, in the order the pages list them (the
    top-N and latest-period charts are bars of one colour, so their towns and programs take none)."""
    names = []
    for specs, loaded in pages:
        for spec in specs:
            rows = loaded[spec.key]
            if isinstance(rows, SourceRows) and not (spec.top or spec.latest):
                names += [p.series for points in rows.by_subject.values() for p in points]
    return SeriesStyles(names)


def _map_points(con: duckdb.DuckDBPyConnection, spec: ChartSpec,
                columns: dict[str, set[str]]) -> dict[str, list[Point]]:
    """A map's points by page, or none when the release does not carry its columns (a release without the
    population, say, maps counts only)."""
    source = spec.sources[0]
    if not source.columns() <= columns.get(source.table, set()):
        return {}
    return queries.chart_rows(con, spec, source).by_subject


def build_pages(con: duckdb.DuckDBPyConnection) -> list[Page]:
    columns = queries.table_columns(con)
    vintages = queries.vintages(con)
    common = {"synthetic": any(v.is_synthetic for v in vintages), "vintages": vintages,
              "map_source": TOWN_MAP.sources[0].table}
    index_data, town_data, program_data = (_load(con, specs, columns)
                                           for specs in (INDEX_CHARTS, TOWN_CHARTS, PROGRAM_CHARTS))
    styles = series_styles((INDEX_CHARTS, index_data), (TOWN_CHARTS, town_data), (PROGRAM_CHARTS, program_data))
    # A program with no published count anywhere (DSS reports it under other names) gets no page.
    towns = queries.towns(con)
    programs = [p for p in queries.programs(con) if _has_rows(program_data, p.code)]
    statewide_breaks, town_breaks = queries.statewide_breaks(con), queries.town_breaks(con)
    program_breaks = queries.program_breaks(con)
    ranks = queries.town_ranks(con)
    by_program, rates = _map_points(con, TOWN_MAP, columns), _map_points(con, TOWN_RATE_MAP, columns)
    index = Page("index.html", "index.html", "Connecticut DSS program participation",
                 dict(common, towns=towns, programs=programs, breaks=break_rows({Grain.MONTH: statewide_breaks}),
                      town_breaks=break_rows({grain: by_town.get("", []) for grain, by_town in
                                              queries.town_breaks(con, "''").items()}),
                      town_map=town_map.index_map(programs, by_program, rates, towns)))
    index.charts = _charts(INDEX_CHARTS, index_data, "", "the state", "index", styles)
    pages = [index]
    for town in towns:
        breaks = {grain: by_town.get(town.key, []) for grain, by_town in town_breaks.items()}
        pages.append(_town_page(town, common, town_data, breaks, ranks.get(town.key, []), styles))
    for program in programs:
        page = _program_page(program, common, program_data, program_breaks.get(program.code, []), styles)
        page.context["town_map"] = town_map.program_map(program, by_program.get(program.code, []),
                                                              rates.get(program.code, []), towns)
        pages.append(page)
    return pages


def _town_page(town: Town, common: dict, loaded: Loaded, breaks: dict[Grain, list[Break]],
               ranks: list[Rank], styles: SeriesStyles) -> Page:
    page = Page(f"towns/{town.key}.html", "town.html", town.name,
                dict(common, town=town, breaks=break_rows(breaks), ranks=ranks, locator=town_map.locator(town)))
    page.charts = _charts(TOWN_CHARTS, loaded, town.key, town.name, town.key, styles)
    return page


def _program_page(program: Program, common: dict, loaded: Loaded, breaks: list[Break],
                  styles: SeriesStyles) -> Page:
    slug = program_slug(program.code)
    page = Page(f"programs/{slug}.html", "program.html", program.name,
                dict(common, program=program, breaks=break_rows({Grain.MONTH: breaks})))
    page.charts = _charts(PROGRAM_CHARTS, loaded, program.code, program.name, slug, styles)
    return page
