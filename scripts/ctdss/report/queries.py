"""Everything the site reads from the public release, opened read-only. Counts come only from `rpt_` tables;
its marts give names, places and methodology events, and which rows those events flag (`methodology_flags`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from ctdss.deliver.public_release import FLAGS_TABLE, not_public
from ctdss.errors import UserError
from ctdss.load.warehouse import ql
from ctdss.report.series import ChartSpec, Grain, SeriesSource, Subject

Number = int | float


@dataclass(frozen=True)
class Point:
    """One cell of a series. A masked cell has no value and no bounds; an inexact one has bounds only."""

    series: str
    period: date | int
    value: Number | None
    lower: Number | None
    upper: Number | None
    is_masked: bool


@dataclass(frozen=True)
class Vintage:
    dataset_id: str
    rows_updated_at: datetime | None
    is_synthetic: bool
    published_at: datetime | None
    superseded_years: str | None  # the years another dataset's cells are shown for instead, comma separated
    superseded_by: str | None


@dataclass(frozen=True)
class Town:
    key: str
    name: str
    county: str
    region: str
    fips: str  # the 2020 (county-based) county-subdivision code, which the town outlines are keyed by


@dataclass(frozen=True)
class Program:
    code: str
    name: str
    family: str
    description: str | None


@dataclass(frozen=True)
class Break:
    """A methodology event as the facts carry it (the first and last period it flags), described by
    `marts.dim_methodology_event`."""

    key: str
    first: date | int
    last: date | int
    description: str
    break_type: str

    @property
    def label(self) -> str:
        return self.break_type.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Rank:
    program: str
    year: int
    value: Number | None
    rank: int | None
    ranked_towns: int


@dataclass(frozen=True)
class SourceRows:
    """A chart's source and its points, grouped by the page they belong to ('' for statewide)."""

    source: SeriesSource
    by_subject: dict[str, list[Point]]
    breaks: dict[str, list[Break]]  # the methodology events flagged on each page's rows, from source.flags


def connect(public_db: Path) -> duckdb.DuckDBPyConnection:
    """The public release, opened read-only; any other file (the analysts', say) is refused."""
    if not Path(public_db).exists():
        raise UserError(f"The public release {public_db} does not exist. Run `make demo` (offline) or "
                        f"`make update`, which end by publishing it, then `make report`.")
    try:
        con = duckdb.connect(str(public_db), read_only=True)
    except duckdb.Error as exc:
        raise UserError(f"Cannot open the public release {public_db}: {str(exc).splitlines()[0]}. "
                        f"Run `make publish` to write it again, then `make report`.") from None
    extra = not_public(con)
    if extra:
        con.close()
        raise UserError(f"The file {public_db} is not the public release: it holds {', '.join(extra[:3])}"
                        f"{' and more' if len(extra) > 3 else ''}, which the public site must never read. The report "
                        f"is written from the public release only: run `make report`, or pass its file "
                        f"($CTDSS_PUBLIC_DB) to `ctdss report --db`.")
    return con


def _number(value: object) -> Number | None:
    return float(value) if isinstance(value, Decimal) else value  # type: ignore[return-value]


def table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    columns: dict[str, set[str]] = defaultdict(set)
    for schema, table, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns()").fetchall():
        columns[f"{schema}.{table}"].add(column)
    return columns


def pick_source(spec: ChartSpec, columns: dict[str, set[str]]) -> SeriesSource | None:
    """The first of the chart's sources present in the file; a present one lacking a column fails loudly."""
    for source in spec.sources:
        if source.table not in columns:
            continue
        needed = source.columns() | ({spec.subject.value} if spec.subject is not Subject.STATEWIDE else set())
        missing = sorted(needed - columns[source.table])
        if missing:
            raise UserError(
                f"The published table {source.table} lacks the column(s) {', '.join(missing)} that the report's "
                f"chart '{spec.key}' reads. Either the table changed or its SeriesSource in "
                f"scripts/ctdss/report/series.py names the wrong columns: fix the entry, then `make report`.")
        return source
    return None


def chart_rows(con: duckdb.DuckDBPyConnection, spec: ChartSpec, source: SeriesSource) -> SourceRows:
    subject = "''" if spec.subject is Subject.STATEWIDE else spec.subject.value
    period = (f"cast({source.period} as date)" if source.grain is Grain.MONTH
              else f"cast({source.period} as integer)")
    rows = con.execute(
        f"""select {subject}, {source.series}, {period}, {source.value}, {source.lower}, {source.upper},
                   coalesce({source.suppressed}, true)
            from {source.table} where {source.where} order by 1, {source.order or source.series}, 2, 3""").fetchall()
    grouped: dict[str, list[Point]] = defaultdict(list)
    for key, series, when, value, lower, upper, masked in rows:
        grouped[key].append(Point(str(series), when, None if masked else _number(value),
                                  None if masked else _number(lower), None if masked else _number(upper),
                                  bool(masked)))
    breaks = (_breaks(con, (source.flags.fact,), source.flags.grain, subject) if source.flags else {})
    return SourceRows(source, dict(grouped), breaks)


def vintages(con: duckdb.DuckDBPyConnection) -> list[Vintage]:
    return [Vintage(*row) for row in con.execute(
        "select source_dataset_id, source_rows_updated_at, coalesce(is_synthetic, false), published_at, "
        "superseded_years, superseded_by from marts.publication order by source_dataset_id").fetchall()]


def towns(con: duckdb.DuckDBPyConnection) -> list[Town]:
    return [Town(*row) for row in con.execute(
        "select town_key, town_name, county_name, planning_region_name, town_fips_2020 from marts.dim_town "
        "where not is_special order by town_name").fetchall()]


def programs(con: duckdb.DuckDBPyConnection) -> list[Program]:
    return [Program(*row) for row in con.execute(
        "select program_code, program_name, program_family, program_description from marts.dim_program "
        "order by program_family, program_name").fetchall()]


def town_facts(con: duckdb.DuckDBPyConnection) -> dict[Grain, tuple[str, ...]]:
    """The town facts behind the town pages' charts, by the grain of their periods: those whose methodology flags
    the release carries for towns (a statewide fact's flags have no town), so that a fact released is marked."""
    found: dict[Grain, list[str]] = defaultdict(list)
    for fact, monthly in con.execute(
            f"select fact_table, bool_or(month_start_date is not null) from marts.{FLAGS_TABLE} "
            f"where town_key is not null group by 1 order by 1").fetchall():
        found[Grain.MONTH if monthly else Grain.YEAR].append(fact)
    return {grain: tuple(facts) for grain, facts in found.items()}
_PERIOD = {Grain.MONTH: "month_start_date", Grain.YEAR: "calendar_year"}


def _breaks(con: duckdb.DuckDBPyConnection, facts: tuple[str, ...], grain: Grain,
            subject: str) -> dict[str, list[Break]]:
    flagged = f"""select {subject} as subject, {_PERIOD[grain]} as period,
                         unnest(string_split(methodology_event_keys, ', ')) as event_key
                  from marts.{FLAGS_TABLE} where fact_table in ({', '.join(ql(fact) for fact in facts)})"""
    grouped: dict[str, list[Break]] = defaultdict(list)
    for key, event, first, last, description, kind in con.execute(
            f"""select f.subject, f.event_key, min(f.period), max(f.period),
                       coalesce(any_value(e.event_description), f.event_key), coalesce(any_value(e.break_type), '')
                from ({flagged}) f left join marts.dim_methodology_event e on e.event_key = f.event_key
                group by 1, 2 order by 1, 3, 2""").fetchall():
        grouped[key].append(Break(event, first, last, description, kind))
    return dict(grouped)


def statewide_breaks(con: duckdb.DuckDBPyConnection) -> list[Break]:
    """The methodology events on the statewide monthly counts, from the monthly fact."""
    return _breaks(con, ("fct_program_participation_monthly",), Grain.MONTH, "''").get("", [])


def program_breaks(con: duckdb.DuckDBPyConnection) -> dict[str, list[Break]]:
    """The methodology events on each program's statewide monthly counts."""
    return _breaks(con, ("fct_program_participation_monthly",), Grain.MONTH, "program_code")


def town_breaks(con: duckdb.DuckDBPyConnection, subject: str = "town_key") -> dict[Grain, dict[str, list[Break]]]:
    """The methodology events that touch each town's counts, by grain, from the town facts its charts show
    (with `subject` "''", those touching any town's)."""
    return {grain: _breaks(con, facts, grain, subject) for grain, facts in town_facts(con).items()}


def town_ranks(con: duckdb.DuckDBPyConnection) -> dict[str, list[Rank]]:
    """Each town's rank per program in the latest year, among the towns whose count is published."""
    grouped: dict[str, list[Rank]] = defaultdict(list)
    for town, program, year, value, rank, ranked in con.execute(
            """with latest as (
                   select * from reporting.rpt_town_participation_by_program
                   where calendar_year = (select max(calendar_year) from reporting.rpt_town_participation_by_program)
               )
               select town_key, program_name, calendar_year, recipient_count,
                   case when recipient_count is not null then
                       rank() over (partition by program_code, recipient_count is null
                                    order by recipient_count desc) end,
                   count(recipient_count) over (partition by program_code)
               from latest order by town_key, program_name""").fetchall():
        grouped[town].append(Rank(program, year, value, rank, ranked))
    return dict(grouped)
