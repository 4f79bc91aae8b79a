"""`marts.column_lineage` in the working warehouse; `ctdss publish` copies it, with the marts, to BI tools."""

from __future__ import annotations

from pathlib import Path

from ctdss.lineage.model import Edge

SCHEMA = "marts"
TABLE = "column_lineage"
DESCRIPTION = ("One row per way a column is computed from one upstream column, one level up, for every column of "
               "every model, snapshot and raw table (written by `ctdss lineage` from the compiled SQL). Follow "
               "upstream_model and upstream_column to the next row; a path ends at a Socrata field, a value the "
               "loader writes, a seed column or a constant.")
COLUMNS: dict[str, tuple[str, str]] = {
    "model": ("varchar", "The relation, as schema.name (`reporting.rpt_town_participation_by_region`)."),
    "column_name": ("varchar", "The column of `model`."),
    "model_type": ("varchar", "model, snapshot or source (a raw table the loader lands)."),
    "upstream_model": ("varchar", "The relation it is computed from; `socrata.<4x4 id>` for a portal dataset, "
                                  "`ctdss load` for the loader; null for a literal constant."),
    "upstream_column": ("varchar", "The upstream column; for a portal dataset, the Socrata fieldName or metadata "
                                   "key; null for a constant."),
    "upstream_type": ("varchar", "model, seed, snapshot, source, portal, loader or constant."),
    "how": ("varchar", "The steps on the way, upstream first: passed, renamed, cast, normalised, bounded, "
                       "aggregated, computed, masked, tested (only a condition on the value), constant, landed."),
    "constant_value": ("varchar", "The SQL of the constant, or the registry's constant, when upstream_type is "
                                  "constant."),
    "upstream_filter": ("varchar", "The `column = value` conditions on the upstream rows the edge reads (a where "
                                   "in the model), e.g. dataset_kind = 'town_program_annual'; null for none."),
    "branch_condition": ("varchar", "For a model that unions its inputs: the columns of `model` that identify the "
                                    "rows this edge feeds (its union branch); null otherwise. An upstream_filter "
                                    "on one of these columns selects the matching branches only."),
}


def rows(edges: list[Edge]) -> list[tuple]:
    return [(e.model, e.column, e.model_type.value, e.upstream_model, e.upstream_column, e.upstream_type.value,
             e.how_text, e.constant_value, Edge.condition_text(e.upstream_filter),
             Edge.condition_text(e.branch_condition)) for e in edges]


# The digest of what the table was traced from (see lineage.inputs), beside it in the working file only: the
# published file carries the marts and reports schemas, not this one.
TRACED_FROM_SCHEMA, TRACED_FROM_TABLE = "main", "column_lineage_traced_from"
TRACED_FROM = f"{TRACED_FROM_SCHEMA}.{TRACED_FROM_TABLE}"


def traced_from(db: Path) -> str | None:
    """The digest of the inputs the table in `db` was traced from; None without the table or the digest."""
    from ctdss.load.warehouse import connect

    if not Path(db).exists():
        return None
    con = connect(Path(db))
    try:
        found = con.execute(
            "select count(*) from duckdb_tables() where (schema_name, table_name) in "
            f"(('{SCHEMA}', '{TABLE}'), ('{TRACED_FROM_SCHEMA}', '{TRACED_FROM_TABLE}'))").fetchone()[0]
        return con.execute(f"select digest from {TRACED_FROM}").fetchone()[0] if found == 2 else None
    finally:
        con.close()


def write_table(db: Path, edges: list[Edge], inputs: str) -> None:
    """Replace the table, and the digest of its `inputs`, in one transaction, so a reader sees the old lineage
    or the new one."""
    from ctdss.load.warehouse import connect, replace_table

    con = connect(Path(db))
    target = f"{SCHEMA}.{TABLE}"
    try:
        con.execute("begin")
        con.execute(f"create or replace table {TRACED_FROM} (digest varchar)")
        con.execute(f"insert into {TRACED_FROM} values (?)", [inputs])
        con.execute(f"create schema if not exists {SCHEMA}")
        replace_table(con, target, DESCRIPTION, COLUMNS, rows(edges))
        con.execute("commit")
    finally:
        con.close()
