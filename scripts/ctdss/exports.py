"""The published file's exports: Parquet and CSV of every table, with manifest.json, for tools that read files.

The exports are written to a new folder that then replaces the old one as a whole, so a reader never sees a
mix of two publications. The files of a table kept from the last publication are hard links to its previous
files. The others are written two at a time: a COPY that keeps the rows in order writes mostly on one thread,
so two side by side keep both cores busy, and the largest go first so that neither writer is left with them
at the end.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from ctdss.folders import replaced_folder
from ctdss.warehouse import qi, ql

FORMATS = {"parquet": "(format parquet)", "csv": "(format csv, header true)"}
WRITERS = 2


def write_exports(published_db: Path, exports_dir: Path, publication_table: str,
                  reuse: set[str] = frozenset()) -> None:
    """Write the exports of `published_db` to `exports_dir`, keeping the files of the tables named in `reuse`
    (schema.table) from the previous exports when they are all there."""
    with replaced_folder(exports_dir) as staging:
        manifest = _write_tables(published_db, exports_dir, staging, publication_table, reuse)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _write_tables(published_db: Path, exports_dir: Path, staging: Path, publication_table: str,
                  reuse: set[str]) -> dict:
    """Every table's files in `staging`; returns the manifest."""
    previous = _previous_exports(exports_dir) if reuse else {}
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        manifest = _manifest_head(con, published_db, publication_table)
        tables = con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables() order by 1, 2").fetchall()
        kept = {}
        for schema, table, _ in tables:
            entry = previous.get(f"{schema}.{table}") if f"{schema}.{table}" in reuse else None
            if entry is not None and _link_files(exports_dir, staging, entry):
                kept[f"{schema}.{table}"] = entry
        written = [(s, t, size) for s, t, size in tables if f"{s}.{t}" not in kept]
        _copy_tables(con, staging, written)
        manifest["tables"] = [kept.get(f"{s}.{t}") or _entry(con, staging, s, t) for s, t, _ in tables]
    finally:
        con.close()
    return manifest


def _manifest_head(con: duckdb.DuckDBPyConnection, published_db: Path, publication_table: str) -> dict:
    """The manifest's description of the publication: the file and the source vintages behind it."""
    vintages = con.execute(
        f"select source_dataset_id, strftime(source_rows_updated_at, '%Y-%m-%dT%H:%M:%SZ'), load_ids, "
        f"is_synthetic, strftime(published_at, '%Y-%m-%dT%H:%M:%SZ') from marts.{qi(publication_table)}"
    ).fetchall()
    return {
        "published_file": str(published_db),
        "tables": [],
        "source_vintages": [
            {"source_dataset_id": v[0], "source_rows_updated_at": v[1], "load_ids": v[2], "is_synthetic": v[3]}
            for v in vintages
        ],
        "is_synthetic": any(v[3] for v in vintages),
        "published_at": vintages[0][4] if vintages else None,
    }


def _copy_tables(con: duckdb.DuckDBPyConnection, staging: Path, tables: list[tuple[str, str, int]]) -> None:
    """Every format of every table, largest table first, on WRITERS cursors; the first failure is raised."""
    copies = [(f"{qi(s)}.{qi(t)}", staging / f"{s}.{t}.{kind}", options)
              for s, t, _ in sorted(tables, key=lambda row: -row[2]) for kind, options in FORMATS.items()]

    def copy(job: tuple[str, Path, str]) -> None:
        relation, path, options = job
        cursor = con.cursor()
        try:
            cursor.execute(f"copy {relation} to {ql(str(path))} {options}")
        finally:
            cursor.close()

    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="ctdss-export") as pool:
        pending = [pool.submit(copy, job) for job in copies]
        try:
            for done in pending:
                done.result()
        except BaseException:
            pool.shutdown(cancel_futures=True)  # the copies not started yet would be thrown away with the folder
            raise


def _entry(con: duckdb.DuckDBPyConnection, staging: Path, schema: str, table: str) -> dict:
    """The manifest's entry for a table whose files were written to `staging`."""
    base = f"{schema}.{table}"
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where schema_name = ? and table_name = ? "
        "order by column_index", [schema, table]).fetchall()
    return {
        "name": base,
        "rows": con.execute(f"select count(*) from {qi(schema)}.{qi(table)}").fetchone()[0],
        "columns": [{"name": c, "type": t} for c, t in columns],
        "files": {kind: {"path": f"{base}.{kind}", "bytes": (staging / f"{base}.{kind}").stat().st_size}
                  for kind in FORMATS},
    }


def _previous_exports(exports_dir: Path) -> dict[str, dict]:
    try:
        manifest = json.loads((exports_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {t["name"]: t for t in manifest.get("tables", []) if isinstance(t, dict) and "name" in t}


def _link_files(exports_dir: Path, staging: Path, entry: dict) -> bool:
    """Hard-link a kept table's previous export files into the new folder; False if any is missing."""
    files = [f["path"] for f in (entry.get("files") or {}).values()]
    if not files or not all((exports_dir / name).is_file() for name in files):
        return False
    for name in files:
        os.link(exports_dir / name, staging / name)
    return True
