"""Publishing: copy the marts and reports from the private working file to the analysts' file BI tools open.

The analysts' file carries the facts' unsuppressed counts and bounds and stays inside the agency; the public
release (public_release) is written from it with the suppressed reports only.

dbt builds into the working file (`CTDSS_DB`). `publish()` writes a complete new published file next to the old
one and renames it into place (an atomic replace on POSIX), so:

- a reader holding the published file open keeps reading the old file, unchanged, and never blocks a rebuild,
  because nothing ever opens the published file for writing;
- a fresh reader sees either the old file or the new one, never a half-written one;
- a failed publish leaves the old file as it was.

`publish(..., built=...)` (`ctdss publish --changed`, the last step of `make refresh`) writes again only the
exports of the tables whose build stamp (the dbt invocation that last wrote them, from the state `ctdss build`
keeps) differs from the one they were published with: the exports of the tables kept are hard links to the
previous exports. The file itself is then written from a byte copy of the previous published file, in which
only what changed is replaced: the tables rebuilt, and of a table with a month column only the months whose rows
differ (see publish_months). Deleted rows leave their space in a DuckDB file, so once such a copy grows past
MAX_GROWTH times the size of the last file written whole, it is written whole again. What was published with
which stamp is recorded beside the state (`published.json`), with the identity of the published file it
describes, so a published file replaced by anything else is published again in full.

The file is written with DuckDB storage version v1.0.0 (on-disk format 64), which DuckDB 0.10.x, 1.0 and every
later release can open, so BI tools that bundle an older DuckDB can read it. Exports (Parquet and CSV of every
table, with a manifest) are written to a new folder that then replaces the old one; of a table with a month
column, exported a file per calendar year, only the years of the months that changed are written again.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ctdss.build.runner import read_relations
from ctdss.config import state_dir
from ctdss.deliver import publish_months as months
from ctdss.deliver.catalogue import PUBLICATION_TABLE, write_catalogue
from ctdss.deliver.exports import write_exports
from ctdss.errors import UserError
from ctdss.folders import replaced_file
from ctdss.load.warehouse import attach_read_only
from ctdss.load.warehouse import qi as _q
from ctdss.load.warehouse import ql as _lit

PUBLISHED_SCHEMAS = ("marts", "reporting")
RECORD_FILE = "published.json"
STORAGE_VERSION = "v1.0.0"
# A copy of the published file with months replaced is written whole again past this multiple of the size of
# the last whole write: a new month adds about 1/60 of the data, deleted rows leave their space behind.
MAX_GROWTH = 1.5
PUBLICATION_COLUMNS = {
    "source_dataset_id": "The Socrata 4x4 id of a dataset behind the published facts.",
    "source_rows_updated_at": "The dataset's rowsUpdatedAt (UTC) of the rows published: the data vintage.",
    "load_ids": "The ctdss load runs that landed those rows (see raw._load_audit in the working file).",
    "is_synthetic": "True when the rows come from the bundled synthetic sample: never cite them.",
    "published_at": "When this file was published (UTC).",
}


@dataclass(frozen=True)
class PublishResult:
    published: Path
    exports: Path
    tables: dict[str, int]
    size_bytes: int
    is_synthetic: bool
    kept: int = 0

    def __str__(self) -> str:
        rows = sum(self.tables.values())
        label = " (SYNTHETIC sample)" if self.is_synthetic else ""
        kept = f", {self.kept} of them unchanged since the last publication" if self.kept else ""
        return (f"Published {len(self.tables)} tables ({rows:,} rows, {self.size_bytes / 1e6:.1f} MB){label}{kept} "
                f"to {self.published}, the analysts' file (unsuppressed facts: inside the agency only); Parquet "
                f"and CSV exports with manifest.json in {self.exports}")


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    return con.execute(
        f"""select schema_name, table_name, comment from duckdb_tables()
            where database_name = 'work' and schema_name in ({', '.join(_lit(s) for s in PUBLISHED_SCHEMAS)})
            union all
            select schema_name, view_name, comment from duckdb_views()
            where database_name = 'work' and schema_name in ({', '.join(_lit(s) for s in PUBLISHED_SCHEMAS)})
            order by 1, 2"""
    ).fetchall()


def _file_identity(path: Path) -> list[int] | None:
    if not path.exists():
        return None
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _usable_record(published_db: Path, exports_dir: Path) -> dict | None:
    """The record of the last publication, if it describes the published file and exports as they are."""
    try:
        record = json.loads((state_dir() / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("file") != _file_identity(published_db) or record.get(
            "exports") != str(exports_dir):
        return None
    return record


def _reusable(record: dict | None, built: dict[str, str], tables: list[tuple[str, str, str | None]]) -> set[str]:
    """The tables whose published copy is from the build that last wrote them."""
    published = (record or {}).get("tables") or {}
    return {f"{s}.{t}" for s, t, _ in tables if built.get(f"{s}.{t}") and published.get(f"{s}.{t}") ==
            built[f"{s}.{t}"]}


def copy_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, comment: str | None,
                source: str = "work") -> int:
    """Copy a table of the attached database `source` to `pub`, with its descriptions; its row count."""
    con.execute(f"create or replace table pub.{_q(schema)}.{_q(table)} as "
                f"select * from {_q(source)}.{_q(schema)}.{_q(table)}")
    return _describe(con, schema, table, comment, source)


def _describe(con: duckdb.DuckDBPyConnection, schema: str, table: str, comment: str | None,
              source: str = "work") -> int:
    """Give the published table the descriptions of its table in `source` (the working file); its row count."""
    target = f"pub.{_q(schema)}.{_q(table)}"
    if comment:
        con.execute(f"comment on table {target} is {_lit(comment)}")
    for column, column_comment in con.execute(
        "select column_name, comment from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? and comment is not null", [source, schema, table]
    ).fetchall():
        con.execute(f"comment on column {target}.{_q(column)} is {_lit(column_comment)}")
    return con.execute(f"select count(*) from {target}").fetchone()[0]


def _write_file(con: duckdb.DuckDBPyConnection, temp: Path, tables: list[tuple[str, str, str | None]]
                ) -> tuple[dict[str, int], bool]:
    """Write the new published file at `temp`, whole, from the working file: on a first publication, without a
    usable record of the last one, or when a copy with months replaced has grown past MAX_GROWTH (DuckDB does
    not give back the space of deleted rows; a whole write does not carry it)."""
    con.execute(f"attach {_lit(temp)} as pub (storage_version {_lit(STORAGE_VERSION)})")
    for schema in PUBLISHED_SCHEMAS:
        con.execute(f"create schema if not exists pub.{_q(schema)}")
    counts = {f"{schema}.{table}": copy_table(con, schema, table, comment) for schema, table, comment in tables}
    synthetic = _write_publication(con, tables)
    write_catalogue(con, "pub")
    return counts, synthetic


def _update_copy(con: duckdb.DuckDBPyConnection, temp: Path, tables: list[tuple[str, str, str | None]],
                 reuse: set[str]) -> tuple[dict[str, int], bool, dict[str, set[int | None]]]:
    """In `temp`, a copy of the previous published file: keep the tables published from their current build,
    replace the changed months of the others that have a month column, copy the rest whole. Drops and deletes
    first, then a checkpoint, so that what is written next reuses the space they gave back. Returns the counts,
    the synthetic flag and, of each table whose months were replaced, the years of those months."""
    months.attach_copy(con, temp)
    by_month = [(s, t) for s, t, _ in tables if f"{s}.{t}" not in reuse and months.can_replace_months(con, s, t)]
    kept = {(s, t) for s, t, _ in tables if f"{s}.{t}" in reuse and months.same_columns(con, s, t)}
    months.drop_unpublished(con, kept | set(by_month), PUBLICATION_TABLE)
    changed = {(s, t): months.delete_changed_months(con, s, t, i) for i, (s, t) in enumerate(by_month)}
    years = {f"{s}.{t}": months.years_of(con, changed[(s, t)]) for s, t in by_month}
    con.execute("checkpoint pub")
    counts = {}
    for schema, table, comment in tables:
        if (schema, table) in changed:
            months.insert_changed_months(con, schema, table, changed[(schema, table)])
        if (schema, table) in kept or (schema, table) in changed:
            counts[f"{schema}.{table}"] = _describe(con, schema, table, comment)
        else:
            counts[f"{schema}.{table}"] = copy_table(con, schema, table, comment)
    synthetic = _write_publication(con, tables)
    write_catalogue(con, "pub")
    return counts, synthetic, years


def _write(con: duckdb.DuckDBPyConnection, temp: Path, published_db: Path, tables: list[tuple[str, str, str | None]],
           record: dict | None, reuse: set[str]) -> tuple[dict[str, int], bool, int, dict[str, set[int | None]]]:
    """The new published file at `temp`: from a copy of the previous one when its record is usable and the copy
    stays within MAX_GROWTH of the last whole write, else whole. Returns the counts, the synthetic flag, the
    size of the last whole write and the years whose months changed (see _update_copy; none known after a
    first publication, so every year is exported)."""
    whole_bytes = (record or {}).get("whole_bytes")
    if record is not None and isinstance(whole_bytes, int):
        shutil.copyfile(published_db, temp)
        counts, synthetic, years = _update_copy(con, temp, tables, reuse)
        con.execute("detach pub")
        if temp.stat().st_size <= MAX_GROWTH * whole_bytes:
            return counts, synthetic, whole_bytes, years
        temp.unlink()  # the changed years stand: they compare the data, not the file
    else:
        years = {}
    counts, synthetic = _write_file(con, temp, tables)
    con.execute("detach pub")
    return counts, synthetic, temp.stat().st_size, years


def publish(work_db: Path, published_db: Path, exports_dir: Path, built: dict[str, str] | None = None) -> PublishResult:
    """Publish the working file's marts and reports. With `built` (each relation's build stamp), the exports of
    the tables whose stamp is the one they were last published with are kept instead of written again."""
    work_db, published_db, exports_dir = Path(work_db), Path(published_db), Path(exports_dir)
    con = duckdb.connect()
    with replaced_file(published_db) as temp:
        try:
            attach_read_only(con, work_db, "publish")
            tables = _tables(con)
            if not tables:
                raise UserError(f"The working warehouse {work_db} has no marts yet. Run `make demo` (offline) or "
                                f"`make build` to build them, then publish.")
            record = _usable_record(published_db, exports_dir) if built is not None else None
            reuse = _reusable(record, built, tables) if built is not None else set()
            counts, synthetic, whole_bytes, years = _write(con, temp, published_db, tables, record, reuse)
            con.execute("detach work")
        finally:
            con.close()
    write_exports(published_db, exports_dir, PUBLICATION_TABLE, reuse, years)
    _record(published_db, exports_dir, built, tables, whole_bytes)
    return PublishResult(published_db, exports_dir, counts, published_db.stat().st_size, synthetic, len(reuse))


def _record(published_db: Path, exports_dir: Path, built: dict[str, str] | None,
            tables: list[tuple[str, str, str | None]], whole_bytes: int) -> None:
    """What was published with which build stamp, for the next `publish --changed`."""
    stamps = built if built is not None else read_relations(state_dir())
    record = {"file": _file_identity(published_db), "exports": str(exports_dir), "whole_bytes": whole_bytes,
              "tables": {f"{s}.{t}": stamps.get(f"{s}.{t}") for s, t, _ in tables}}
    path = state_dir() / RECORD_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{RECORD_FILE}.tmp-{os.getpid()}")
    temp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    os.replace(temp, path)


def _write_publication(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str, str | None]]) -> bool:
    """A table of the source vintages behind the published facts, so every consumer can say what it shows."""
    facts = [
        f"select source_dataset_id, source_rows_updated_at, load_id, is_synthetic from pub.marts.{_q(t)}"
        for s, t, _ in tables
        if s == "marts" and t.startswith("fct_") and {"source_dataset_id", "source_rows_updated_at", "load_id",
                                                      "is_synthetic"} <= {
            r[0] for r in con.execute(
                "select column_name from duckdb_columns() where database_name = 'pub' and schema_name = 'marts' "
                "and table_name = ?", [t]).fetchall()}
    ]
    union = " union all ".join(facts) if facts else (
        "select null::varchar, null::timestamp, null::varchar, false where false")
    published_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    con.execute(
        f"""create table pub.marts.{PUBLICATION_TABLE} as
            select
                source_dataset_id,
                max(source_rows_updated_at) as source_rows_updated_at,
                string_agg(distinct load_id, ', ' order by load_id) as load_ids,
                bool_or(is_synthetic) as is_synthetic,
                {_lit(published_at.isoformat(sep=' '))}::timestamp as published_at
            from ({union}) as facts (source_dataset_id, source_rows_updated_at, load_id, is_synthetic)
            group by source_dataset_id
            order by source_dataset_id"""
    )
    description = ("One row per source dataset behind this published file: its vintage (rowsUpdatedAt), the "
                   "loads that landed it, whether it is the synthetic sample, and when the file was published.")
    con.execute(f"comment on table pub.marts.{PUBLICATION_TABLE} is {_lit(description)}")
    for column, text in PUBLICATION_COLUMNS.items():
        con.execute(f"comment on column pub.marts.{PUBLICATION_TABLE}.{_q(column)} is {_lit(text)}")
    row = con.execute(f"select coalesce(bool_or(is_synthetic), false) from pub.marts.{PUBLICATION_TABLE}").fetchone()
    return bool(row[0])
