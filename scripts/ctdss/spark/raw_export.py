"""Writes the raw layer as Parquet, one folder per raw table, for engines that read files (Spark, a cluster).

Every table the loader lands in the `raw` schema (each registry kind's table, and the load audit) becomes
`<out>/<table>/part-00000.parquet` with every column, the provenance columns included; the registry's tables
must all be there. Timestamps are written as UTC instants (Parquet `isAdjustedToUTC`), so that Spark
reads them as `timestamp`, as the marts' contracts declare, and not as `timestamp_ntz`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ctdss.errors import UserError
from ctdss.folders import replaced_folder
from ctdss.registry import Registry


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def export_raw(registry: Registry, db: Path, out: Path) -> dict[str, int]:
    """Writes every raw table to `out` and returns the rows written per table.

    The files are written beside `out` and swapped in at the end, so a failed export leaves the previous files
    exactly as they were.
    """
    if not Path(db).exists():
        raise UserError(f"Cannot export the raw layer: the warehouse {db} does not exist. Land data first with "
                        f"`make load-sample` (offline) or `make load`, then export.")
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        tables = _raw_tables(con, registry)
        with replaced_folder(Path(out)) as staging:
            return {table: _export_table(con, table, staging) for table in tables}
    finally:
        con.close()


def _raw_tables(con: duckdb.DuckDBPyConnection, registry: Registry) -> list[str]:
    landed = [row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw' and table_type = 'BASE TABLE' "
        "order by table_name"
    ).fetchall()]
    missing = [kind.name for kind in registry.kinds if kind.name not in landed]
    if missing:
        raise UserError(f"Cannot export the raw layer: the warehouse has no table raw.{missing[0]}. Land every "
                        f"dataset first (`make load-sample` or `make load`), then export.")
    return landed


def _export_table(con: duckdb.DuckDBPyConnection, kind: str, staging: Path) -> int:
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [kind],
    ).fetchall()
    select = ", ".join(
        f"cast({_q(name)} as timestamptz) as {_q(name)}" if data_type == "TIMESTAMP" else _q(name)
        for name, data_type in columns
    )
    folder = staging / kind
    folder.mkdir(parents=True)
    query = f"select {select} from raw.{_q(kind)}"
    con.execute(f"copy ({query}) to {_lit(folder / 'part-00000.parquet')} (format parquet)")
    return con.execute(f"select count(*) from raw.{_q(kind)}").fetchone()[0]

