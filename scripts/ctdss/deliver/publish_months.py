"""Writing the next published file from a copy of the previous one, replacing only the months that changed.

`ctdss publish --changed` starts from a byte copy of the published file it last wrote (never the file readers
hold open: the copy is a new publication, put in place as a whole write is). In the copy, a table whose build
stamp is the one it was published with is kept; a table with a `month_start_date` column and the same columns
as in the working file gets, for each month whose rows differ (compared by row count and a sum of row hashes,
month by month), that month's rows deleted and inserted again from the working file; any other table is
copied whole. A new month of data then costs the rows of the months it changed, not the whole file. Every drop
and delete comes first, then a checkpoint, so that the inserts reuse the space they gave back.

The copy keeps the storage version of the file it copies (v1.0.0, which DuckDB 1.0 and 1.1 can open). Deleted
rows leave space behind in a DuckDB file, so the caller writes the file whole again once a copy grows past a
bound (see publish.MAX_GROWTH).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ctdss.load.warehouse import qi as _q
from ctdss.load.warehouse import ql as _lit

MONTH = "month_start_date"


def columns(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = ? and schema_name = ? "
        "and table_name = ? order by column_index", [database, schema, table]).fetchall()


def drop_unpublished(con: duckdb.DuckDBPyConnection, kept: set[tuple[str, str]], publication_table: str) -> None:
    """Drop the copy's tables other than `kept` (those the working file no longer has, those it copies whole),
    and its record of the publication (rewritten)."""
    for schema, table in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'pub'"
    ).fetchall():
        if (schema, table) not in kept or (schema, table) == ("marts", publication_table):
            con.execute(f"drop table pub.{_q(schema)}.{_q(table)}")


def _changed_months(con: duckdb.DuckDBPyConnection, relation: str, names: list[str], into: str) -> int:
    """Fill the temporary table `into` with the months whose rows differ between work and pub; how many."""
    fingerprint = (f"select {_q(MONTH)} as month, count(*) as row_count, "
                   f"sum(hash({', '.join(_q(n) for n in names)})::hugeint) as row_hash from {{db}}.{relation} "
                   f"group by 1")
    con.execute(
        f"""create or replace temp table {into} as
            select coalesce(w.month, p.month) as month
            from ({fingerprint.format(db='work')}) as w
            full outer join ({fingerprint.format(db='pub')}) as p on w.month is not distinct from p.month
            where w.row_count is distinct from p.row_count or w.row_hash is distinct from p.row_hash"""
    )
    return con.execute(f"select count(*) from {into}").fetchone()[0]


def _in_months(months: str) -> str:
    return f"exists (select 1 from {months} where {months}.month is not distinct from t.{_q(MONTH)})"


def delete_changed_months(con: duckdb.DuckDBPyConnection, schema: str, table: str, index: int) -> str:
    """Delete, in the copy, every month of the table whose rows differ from the working file's. Returns the
    temporary table naming those months, for insert_changed_months once the space is given back."""
    relation, months = f"{_q(schema)}.{_q(table)}", f"changed_months_{index}"
    names = [name for name, _ in columns(con, "work", schema, table)]
    if _changed_months(con, relation, names, months):
        con.execute(f"delete from pub.{relation} as t where {_in_months(months)}")
    return months


def insert_changed_months(con: duckdb.DuckDBPyConnection, schema: str, table: str, months: str) -> None:
    relation = f"{_q(schema)}.{_q(table)}"
    con.execute(f"insert into pub.{relation} select * from work.{relation} as t where {_in_months(months)}")
    con.execute(f"drop table {months}")


def years_of(con: duckdb.DuckDBPyConnection, months: str) -> set[int | None]:
    """The calendar years of the months in the temporary table `months` (from delete_changed_months)."""
    return {row[0] for row in con.execute(f"select distinct year(month) from {months}").fetchall()}


def can_replace_months(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether the copy's table has exactly the working table's columns, among them the month."""
    work = columns(con, "work", schema, table)
    return any(name == MONTH for name, _ in work) and work == columns(con, "pub", schema, table)


def same_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return columns(con, "work", schema, table) == columns(con, "pub", schema, table)


def attach_copy(con: duckdb.DuckDBPyConnection, copy: Path) -> None:
    con.execute(f"attach {_lit(copy)} as pub")
