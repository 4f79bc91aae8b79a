"""What each publication holds: which tables are public, and the table that lists every published table.

Both publications (the analysts' file and the public release) carry `marts.published_tables`: one row per table
of the analysts' file, with its grain (the first clause of its description), its first and last period, its
rows and whether it is in the public release (masked) or for analysts only. The public release copies it from
the analysts' file, so it names the analysts-only tables too, without any of their values."""

from __future__ import annotations

import duckdb

from ctdss.load.warehouse import qi, ql

REPORTING_SCHEMA = "reporting"
PUBLICATION_TABLE = "publication"
CATALOGUE_TABLE = "published_tables"
FLAGS_TABLE = "methodology_flags"
# The marts tables of the public release besides the flags: dimensions (no counts), the vintages, this listing.
MARTS_TABLES = ("dim_methodology_event", "dim_month", "dim_program", "dim_town", PUBLICATION_TABLE, CATALOGUE_TABLE)
# The period columns a table can have, finest first: its first and last period are read from the first it has.
PERIODS = {"month_start_date": "strftime(min({c}), '%Y-%m'), strftime(max({c}), '%Y-%m')",
           "calendar_year": "cast(min({c}) as varchar), cast(max({c}) as varchar)"}
CATALOGUE_COLUMNS = {
    "table_name": ("varchar", "The published table, as schema.table."),
    "grain": ("varchar", "What one row is, from the table's description (for example `One row per town per "
                         "program per calendar year`)."),
    "first_period": ("varchar", "The first month (YYYY-MM) or year the table covers; null for a table without "
                                "periods."),
    "last_period": ("varchar", "The last month (YYYY-MM) or year the table covers; null for a table without "
                               "periods."),
    "table_rows": ("bigint", "How many rows the table has in the analysts' file."),
    "access": ("varchar", "`public`: in the public release, small cells masked; `analysts_only`: in the "
                          "analysts' file only (unsuppressed counts, inside the agency)."),
    "description": ("varchar", "The table's full description."),
}
DESCRIPTION = ("One row per table of the analysts' file: its grain, first and last period, rows, and whether it "
               "is also in the public release. Written when the analysts' file is published.")


def is_public(schema: str, table: str) -> bool:
    """Whether a table belongs in the public release."""
    return schema == REPORTING_SCHEMA or (schema == "marts" and table in (*MARTS_TABLES, FLAGS_TABLE))


def write_catalogue(con: duckdb.DuckDBPyConnection, database: str) -> int:
    """Write `<database>.marts.published_tables` over the tables of the attached `database`; its rows."""
    tables = con.execute(
        "select schema_name, table_name, comment from duckdb_tables() where database_name = ? "
        "and table_name != ? order by 1, 2", [database, CATALOGUE_TABLE]).fetchall()
    rows = [_describe(con, database, schema, table, comment) for schema, table, comment in tables]
    rows.append((f"marts.{CATALOGUE_TABLE}", _grain(DESCRIPTION), None, None, len(rows) + 1, "public", DESCRIPTION))
    target = f"{qi(database)}.marts.{qi(CATALOGUE_TABLE)}"
    columns = ", ".join(f"{qi(name)} {kind}" for name, (kind, _) in CATALOGUE_COLUMNS.items())
    con.execute(f"create or replace table {target} ({columns})")
    con.executemany(f"insert into {target} values ({', '.join('?' for _ in CATALOGUE_COLUMNS)})", rows)
    con.execute(f"comment on table {target} is {ql(DESCRIPTION)}")
    for name, (_, text) in CATALOGUE_COLUMNS.items():
        con.execute(f"comment on column {target}.{qi(name)} is {ql(text)}")
    return len(rows)


def _describe(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str,
              comment: str | None) -> tuple:
    relation = f"{qi(database)}.{qi(schema)}.{qi(table)}"
    columns = {c for (c,) in con.execute(
        "select column_name from duckdb_columns() where database_name = ? and schema_name = ? and table_name = ?",
        [database, schema, table]).fetchall()}
    period = next((PERIODS[c].format(c=qi(c)) for c in PERIODS if c in columns), "null, null")
    first, last, count = con.execute(f"select {period}, count(*) from {relation}").fetchone()
    access = "public" if is_public(schema, table) else "analysts_only"
    return f"{schema}.{table}", _grain(comment), first, last, count, access, comment


def _grain(comment: str | None) -> str | None:
    """The first clause of a description: up to its first colon or full stop."""
    if not comment:
        return None
    cut = min((i for i in (comment.find(":"), comment.find(". ")) if i >= 0), default=len(comment))
    return comment[:cut].strip().rstrip(".")
