"""The public release: the suppressed reports and nothing with an unsuppressed count, to share outside the agency.

The analysts' file (`publish`) holds the marts, whose facts carry unsuppressed counts and bounds: it stays inside
the agency. `release()` writes, from the analysts' file just published (so both carry the same vintage):

- a DuckDB file with the `reporting` schema (the `rpt_` tables, the only ones with small-cell suppression), the
  dimension tables the report names things with (towns, programs, months, methodology events: no counts, and
  assumed known to anyone), the `publication` table of source vintages, and `marts.methodology_flags`: which
  methodology events flag the rows of the facts the report's charts stand on, by key and period, without the
  facts' counts (the `rpt_` tables carry only a yes or no, and the report marks each event on its charts);
- the Parquet and CSV exports of the `rpt_` tables, with the manifest of source vintages.

The report site (`ctdss report`) is written from this file only. Both are written whole each time, atomically as
the analysts' file is (a new file renamed into place, a new exports folder swapped in): on the synthetic sample
that takes under a second, so the refresh path's reuse of unchanged tables is kept for the analysts' file only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ctdss.deliver.catalogue import FLAGS_TABLE, PUBLICATION_TABLE, REPORTING_SCHEMA, is_public
from ctdss.deliver.exports import write_exports
from ctdss.deliver.publish import STORAGE_VERSION, copy_table
from ctdss.errors import UserError, first_line
from ctdss.folders import replaced_file
from ctdss.load.warehouse import qi, ql

# The facts whose methodology flags the report marks on its charts (report.series, report.queries): only theirs
# are released, at the keys and periods the report reads.
FLAGGED_FACTS = ("fct_program_participation_monthly", "fct_town_program_participation_annual",
                 "fct_town_program_participation_monthly", "fct_town_race_participation_annual")
FLAG_EVENTS = "methodology_event_keys"
# The columns of the flags table: the fact, the keys and periods the facts share, the events.
FLAG_COLUMNS = {
    "fact_table": ("varchar", "The marts fact (in the analysts' file) whose rows the events flag."),
    "town_key": ("varchar", "The town of the flagged rows; null for a statewide fact."),
    "program_code": ("varchar", "The program of the flagged rows; null for a fact without programs."),
    "month_start_date": ("date", "The month of the flagged rows; null for an annual fact."),
    "calendar_year": ("integer", "The year of the flagged rows; null for a monthly fact."),
    FLAG_EVENTS: ("varchar", "The methodology events (dim_methodology_event.event_key) flagging them, comma "
                             "separated."),
}


@dataclass(frozen=True)
class ReleaseResult:
    public: Path
    exports: Path
    tables: dict[str, int]
    size_bytes: int
    seconds: float

    def __str__(self) -> str:
        return (f"Released {len(self.tables)} tables ({sum(self.tables.values()):,} rows, "
                f"{self.size_bytes / 1e6:.1f} MB) in {self.seconds:.1f} s to {self.public}, the public release to "
                f"share outside the agency; Parquet and CSV of its reports with manifest.json in {self.exports}")


def not_public(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables and views of the open file that do not belong in the public release."""
    rows = con.execute("select schema_name, table_name from duckdb_tables() union all "
                       "select schema_name, view_name from duckdb_views() where not internal order by 1, 2").fetchall()
    return [f"{schema}.{table}" for schema, table in rows if not is_public(schema, table)]


def release(analysts_db: Path, public_db: Path, exports_dir: Path) -> ReleaseResult:
    """Write the public release from the analysts' file: the file, renamed into place, then its exports."""
    started = time.perf_counter()
    analysts_db, public_db, exports_dir = Path(analysts_db), Path(public_db), Path(exports_dir)
    con = duckdb.connect()
    with replaced_file(public_db) as temp:
        try:
            _attach_analysts(con, analysts_db)
            con.execute(f"attach {ql(str(temp))} as pub (storage_version {ql(STORAGE_VERSION)})")
            counts = _write(con)
            con.execute("detach pub")
        finally:
            con.close()
    write_exports(public_db, exports_dir, PUBLICATION_TABLE, schemas=(REPORTING_SCHEMA,))
    return ReleaseResult(public_db, exports_dir, counts, public_db.stat().st_size, time.perf_counter() - started)


def _attach_analysts(con: duckdb.DuckDBPyConnection, analysts_db: Path) -> None:
    if not analysts_db.exists():
        raise UserError(f"The analysts' file {analysts_db} does not exist, and the public release is written from "
                        f"it. Run `make publish`, which writes both.")
    try:
        con.execute(f"attach {ql(str(analysts_db))} as analysts (read_only)")
    except duckdb.Error as exc:
        raise UserError(f"Cannot read the analysts' file {analysts_db}: {first_line(exc)}. Run `make publish` to "
                        f"write it again, which writes the public release from it.") from None


def _write(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Copy the release's tables from the analysts' file and write the flags; each table's row count."""
    tables = con.execute(
        "select schema_name, table_name, comment from duckdb_tables() where database_name = 'analysts' "
        "order by 1, 2").fetchall()
    counts = {}
    for schema, table, comment in tables:
        if is_public(schema, table) and table != FLAGS_TABLE:
            con.execute(f"create schema if not exists pub.{qi(schema)}")
            counts[f"{schema}.{table}"] = copy_table(con, schema, table, comment, source="analysts")
    con.execute("create schema if not exists pub.marts")
    counts[f"marts.{FLAGS_TABLE}"] = _write_flags(con, [t for s, t, _ in tables if s == "marts"])
    return counts


def _write_flags(con: duckdb.DuckDBPyConnection, marts: list[str]) -> int:
    """The methodology flags of the FLAGGED_FACTS: the distinct keys, periods and events, no counts."""
    empty = ", ".join(f"null::{kind} as {qi(name)}" for name, (kind, _) in FLAG_COLUMNS.items())
    selects = [f"select {empty} where false"]
    for fact in marts:
        columns = {c for (c,) in con.execute(
            "select column_name from duckdb_columns() where database_name = 'analysts' and schema_name = 'marts' "
            "and table_name = ?", [fact]).fetchall()}
        if fact in FLAGGED_FACTS and FLAG_EVENTS in columns:
            keys = [qi(c) for c in FLAG_COLUMNS if c in columns]
            selects.append(f"select distinct {ql(fact)} as fact_table, {', '.join(keys)} "
                           f"from analysts.marts.{qi(fact)} where {qi(FLAG_EVENTS)} is not null")
    target = f"pub.marts.{qi(FLAGS_TABLE)}"
    con.execute(f"create table {target} as select {', '.join(qi(c) for c in FLAG_COLUMNS)} from "
                f"({' union all by name '.join(selects)}) order by all")
    con.execute(f"comment on table {target} is {ql(_FLAGS_DESCRIPTION)}")
    for name, (_, text) in FLAG_COLUMNS.items():
        con.execute(f"comment on column {target}.{qi(name)} is {ql(text)}")
    return con.execute(f"select count(*) from {target}").fetchone()[0]


_FLAGS_DESCRIPTION = (
    "One row per fact table per town, program and period whose rows methodology events flag: which events "
    "(described in dim_methodology_event) touch the counts behind the rpt_ tables' has_methodology_break, "
    "without the counts.")
