"""Landing one dataset: its rows, pulled into page files, become its rows in raw.<kind> in one transaction.

Three steps, all before COMMIT: build the kind's new table in one statement (the rows of the kind's other
datasets and, for a window refresh, this dataset's rows outside the window, plus the dataset's rows read in bulk
by DuckDB from the page files); validate the new rows; swap them in by recording the load in raw._load_audit and
committing. Anything that fails rolls the transaction back, so the previous raw data and the rest of the
database are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb

from ctdss.errors import LoadFailure, first_line
from ctdss.load.contract import PROVENANCE, Contract, rows_updated_at
from ctdss.load.warehouse import AuditEntry, qi, ql, table_columns, write_audit
from ctdss.registry import Dataset, Kind


@dataclass(frozen=True)
class Pull:
    """A dataset's rows as pulled into page files, with what the landed rows are stamped with."""

    ds: Dataset
    meta: dict
    contract: Contract
    files: list[Path]
    load_id: str
    loaded_at: datetime
    synthetic: bool
    window_start: str | None = None


def refresh_label(window_start: str | None) -> str:
    """How a landed dataset was refreshed, as the audit and the outcome both show it."""
    return f"window from {window_start[:7]}" if window_start else "full"


def no_rows(ds: Dataset, window_start: str | None) -> LoadFailure:
    scope = f" for months from {window_start}" if window_start else ""
    return LoadFailure(
        f"Dataset {ds.id} served no rows{scope}. An empty publication would wipe the previous data, so it was "
        f"not loaded; check the dataset on the portal (or run with --full)."
    )


def window_start(con: duckdb.DuckDBPyConnection, ds: Dataset) -> str | None:
    """First month to re-pull for a window refresh: the last landed month minus (window - 1) months."""
    month_col = qi("month")
    row = con.execute(
        f"select max({month_col}) from raw.{qi(ds.kind)} "
        f"where _source_dataset_id = ? and regexp_matches({month_col}, '^\\d{{4}}-\\d{{2}}')",
        [ds.id],
    ).fetchone()
    if not row or row[0] is None:
        return None
    year, month = int(row[0][:4]), int(row[0][5:7])
    index = year * 12 + (month - 1) - ((ds.refresh.window_months or 1) - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}-01T00:00:00.000"


def _file_list(files: list[Path]) -> str:
    return "[" + ", ".join(ql(str(f)) for f in files) + "]"


def row_keys(con: duckdb.DuckDBPyConnection, files: list[Path]) -> list[str]:
    """Every field of every row object in the files: a pass over the JSON of its own, as read_json with explicit
    columns ignores a field it was not given."""
    return [r[0] for r in con.execute(
        f"select distinct unnest(json_keys(json)) from read_json_objects({_file_list(files)}, format='array')"
    ).fetchall()]


def check_row_keys(con: duckdb.DuckDBPyConnection, ds: Dataset, files: list[Path], served: list[str]) -> None:
    """Every field in the rows must be one the metadata lists, so nothing served is silently left out."""
    try:
        keys = row_keys(con, files)
    except duckdb.Error as exc:
        raise LoadFailure(
            f"The rows of dataset {ds.id} are not a JSON array of row objects: {first_line(exc)}. "
            f"Nothing was loaded; re-extract the data (`ctdss extract`) or check the portal."
        ) from None
    unknown = sorted(set(keys) - set(served) - {":id"})
    if unknown:
        raise LoadFailure(
            f"The rows of dataset {ds.id} carry field(s) {', '.join(unknown)} that its metadata does not list "
            f"(the metadata lists {', '.join(served)}). The metadata and the rows disagree, so the dataset was "
            f"not loaded; run again later, or re-extract the snapshot."
        )


def land_dataset(con: duckdb.DuckDBPyConnection, kind: Kind, pull: Pull, entry: AuditEntry) -> tuple[int, int]:
    """Land the pulled files as the dataset's new rows in one transaction; `entry` is recorded with the row
    counts. Returns (rows landed, rows kept). The files' fields must have been checked (`check_row_keys`)."""
    con.execute("begin transaction")
    try:
        kept = build_rows(con, kind, pull)
        rows = validate_rows(con, pull)
        swap_in(con, kind, replace(entry, rows_landed=rows, rows_kept=kept))
        return rows, kept
    except BaseException:
        con.execute("rollback")
        raise


def _keep(pull: Pull) -> str:
    """The rows of raw.<kind> the new table keeps: other datasets', and this one's outside the window."""
    keep = f"_source_dataset_id <> {ql(pull.ds.id)}"
    if pull.window_start:
        keep += f" or (\"month\" < {ql(pull.window_start)} or \"month\" is null)"
    return keep


def _new_rows(pull: Pull) -> str:
    """A select of the dataset's rows from the page files, renamed to roles and stamped with provenance."""
    ds, contract, rua = pull.ds, pull.contract, rows_updated_at(pull.meta)
    json_columns = {":id": "VARCHAR", **{name: "VARCHAR" for name in contract.served}}
    columns_arg = "{" + ", ".join(f"{ql(k)}: {ql(v)}" for k, v in json_columns.items()) + "}"
    select = [f"src.{qi(name)} as {qi(role)}" for role, name in ds.fields.items()]
    select += [f"{ql(value)} as {qi(role)}" for role, value in ds.constants.items()]
    select += [f"src.{qi(name)} as {qi(name)}" for name in contract.extras]
    select += [
        f"{ql(pull.load_id)} as _load_id",
        f"{ql(pull.loaded_at.isoformat(sep=' '))}::timestamp as _loaded_at",
        f"{ql(ds.id)} as _source_dataset_id",
        (f"{ql(rua.isoformat(sep=' '))}::timestamp" if rua else "null::timestamp") + " as _source_rows_updated_at",
        'src.":id" as _source_row_id',
        f"{'true' if pull.synthetic else 'false'} as _is_synthetic",
    ]
    return (f"select {', '.join(select)} "
            f"from read_json({_file_list(pull.files)}, format='array', columns={columns_arg}) as src")


def build_rows(con: duckdb.DuckDBPyConnection, kind: Kind, pull: Pull) -> int:
    """Step 1: write the kind's new rows, in the open transaction (checked next, and in place only at COMMIT).
    Returns the dataset's rows kept from before."""
    ds, target, keep = pull.ds, f"raw.{qi(kind.name)}", _keep(pull)
    provenance = [name for name, _ in PROVENANCE]
    roles = list(kind.roles)
    existing = table_columns(con, "raw", kind.name)
    new = [*ds.fields, *ds.constants, *pull.contract.extras]
    extras = [c for c in existing + new if c not in roles and c not in provenance]
    ordered = list(dict.fromkeys(roles + extras + provenance))
    kept = con.execute(
        f"select count(*) from {target} where _source_dataset_id = ? and ({keep})", [ds.id]
    ).fetchone()[0]
    try:
        if pull.window_start and existing == ordered:
            # A window replaces a few months of a table that may hold millions of rows: delete and insert
            # them in place, rather than copy every kept row into a new table.
            con.execute(f"delete from {target} where not ({keep})")
            con.execute(f"insert into {target} by name {_new_rows(pull)}")
        else:
            # One statement writes the kind's new table: the rows kept from before and the dataset's new rows,
            # read straight from the page files. A whole dataset replaced, or new columns, leave no deleted rows
            # behind in the file this way.
            con.execute(
                f"create or replace table {target} as select {', '.join(qi(c) for c in ordered)} from ("
                f"select * from {target} where {keep} union all by name {_new_rows(pull)})"
            )
    except duckdb.Error as exc:
        raise LoadFailure(
            f"Dataset {ds.id} could not be read: {first_line(exc)}. Nothing was loaded; re-extract "
            f"the data (`ctdss extract`) or check the portal."
        ) from None
    return kept


def validate_rows(con: duckdb.DuckDBPyConnection, pull: Pull) -> int:
    """Step 2: the new rows must exist and carry unique Socrata row ids. Returns the rows landed."""
    ds = pull.ds
    landed = (f"raw.{qi(ds.kind)} where _source_dataset_id = {ql(ds.id)} "
              f"and _load_id = {ql(pull.load_id)}")
    # Distinct hashes are enough to prove the ids distinct, and counting them is several times faster than
    # counting the strings; only a collision (or a real duplicate) pays for the exact count.
    rows, with_id, distinct = con.execute(
        f"select count(*), count(_source_row_id), "
        f"count(distinct hash(_source_row_id)) filter (_source_row_id is not null) from {landed}"
    ).fetchone()
    if distinct != with_id:
        distinct = con.execute(f"select count(distinct _source_row_id) from {landed}").fetchone()[0]
    if rows == 0:
        raise no_rows(ds, pull.window_start)
    if with_id != rows:
        raise LoadFailure(
            f"{rows - with_id} row(s) of dataset {ds.id} have no Socrata row id (`:id`). Rows must be pulled "
            f"with $select=:id,* (as `ctdss extract` does); nothing was loaded."
        )
    if distinct != rows:
        dupes = [r[0] for r in con.execute(
            f"select _source_row_id from {landed} group by all having count(*) > 1 order by 1 limit 5"
        ).fetchall()]
        raise LoadFailure(
            f"Dataset {ds.id} served {rows - distinct} row(s) more than once (row ids {', '.join(dupes)}): "
            f"the pages overlapped, which happens when the dataset changes during a pull. Nothing was "
            f"loaded; run again."
        )
    return rows


def swap_in(con: duckdb.DuckDBPyConnection, kind: Kind, entry: AuditEntry) -> None:
    """Step 3: record the load in the audit, in the same transaction, and commit: the new rows replace the old."""
    total = con.execute(f"select count(*) from raw.{qi(kind.name)}").fetchone()[0]
    write_audit(con, replace(entry, rows_in_table=total))
    con.execute("commit")
