"""A published file's exports: Parquet and CSV of its tables, with manifest.json, for tools that read files.

A table with a month column (`month_start_date`) is exported as one folder per format, with a file per calendar
year in hive layout (`marts.<table>.parquet/year=2027/data_0.parquet`): DuckDB, Spark, pandas and Polars read the
folder as one table with a `year` column, and Power BI and Tableau combine the files of a folder. A new month
then rewrites the files of the years it changed, not the whole table, and each year's CSV stays far below the
rows a spreadsheet opens. Any other table is one file per format (`marts.<table>.parquet`).

Beside the files, manifest.json lists every table with its description and every column with its type and
description (the dbt docs the warehouse keeps as comments), and dictionary.csv holds the same column list as a
spreadsheet opens it.

The exports are written to a new folder that then replaces the old one as a whole, so a reader never sees a
mix of two publications. What is kept from the last publication (a table published from the same build, or a
year of a table none of whose months changed) is hard links to its previous files. The rest is written two
files at a time: a COPY that keeps the rows in order writes mostly on one thread, so two side by side keep both
cores busy, and the largest go first so that neither writer is left with them at the end.
"""

from __future__ import annotations

import csv
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ctdss.deliver.publish_months import MONTH
from ctdss.folders import replaced_folder
from ctdss.load.warehouse import qi, ql

FORMATS = {"parquet": "format parquet", "csv": "format csv, header true"}  # COPY options, by file extension
WRITERS = 2
YEAR = "year"  # the hive key of a table exported by year: the calendar year of its month column
YEAR_OF_MONTH = f"year({qi(MONTH)})"
DICTIONARY = "dictionary.csv"


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    size: int
    by_year: bool

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def relation(self) -> str:
        return f"{qi(self.schema)}.{qi(self.name)}"


def write_exports(published_db: Path, exports_dir: Path, publication_table: str,
                  reuse: set[str] = frozenset(), changed_years: dict[str, set[int | None]] | None = None,
                  schemas: tuple[str, ...] = ()) -> None:
    """Write the exports of `published_db` to `exports_dir`: of every table, or with `schemas` of those schemas'
    tables only. The files of the tables named in `reuse` (schema.table) are kept from the previous exports
    when they are all there. Of a table exported by year and named in `changed_years`, only the years given
    (those with a month whose rows changed since the previous publication) are written again, and the other
    years' files are kept."""
    with replaced_folder(exports_dir) as staging:
        manifest = _write_tables(published_db, exports_dir, staging, publication_table, reuse, changed_years or {},
                                 schemas)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _write_dictionary(staging / DICTIONARY, manifest["tables"])


def _write_dictionary(path: Path, tables: list[dict]) -> None:
    """One row per column of every exported table, with its type and description, as the manifest has them."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["table_name", "column_name", "data_type", "description"])
        for table in tables:
            for column in table["columns"]:
                text = " ".join((column.get("description") or "").split())  # one line per cell in a spreadsheet
                writer.writerow([table["name"], column["name"], column["type"], text])


def _write_tables(published_db: Path, exports_dir: Path, staging: Path, publication_table: str,
                  reuse: set[str], changed_years: dict[str, set[int | None]], schemas: tuple[str, ...]) -> dict:
    """Every table's files in `staging`; returns the manifest."""
    previous = _previous_exports(exports_dir) if reuse or changed_years else {}
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        manifest = _manifest_head(con, published_db, publication_table)
        tables = [t for t in _tables(con) if not schemas or t.schema in schemas]
        kept, jobs, year_rows = {}, [], {}
        for table in tables:
            entry = previous.get(table.label)
            if table.label in reuse and _same_layout(entry, table) and _link_files(exports_dir, staging, entry):
                kept[table.label] = entry
            elif table.by_year:
                year_rows[table.label] = dict(con.execute(
                    f"select {YEAR_OF_MONTH}, count(*) from {table.relation} group by 1").fetchall())
                jobs += _year_jobs(exports_dir, staging, table, set(year_rows[table.label]), entry,
                                   changed_years.get(table.label))
            else:
                jobs += [(table.size, f"copy {table.relation} to {ql(str(staging / f'{table.label}.{kind}'))} "
                                      f"({options})") for kind, options in FORMATS.items()]
        _run(con, jobs)
        manifest["tables"] = [kept.get(t.label) or _entry(con, staging, t, year_rows.get(t.label)) for t in tables]
    finally:
        con.close()
    return manifest


def _tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    """The published tables; exported by year: those with the month column (and no column named `year`)."""
    rows = con.execute(
        f"select schema_name, table_name, estimated_size, "
        f"bool_or(column_name = {ql(MONTH)}) and not bool_or(column_name = {ql(YEAR)}) "
        f"from duckdb_tables() join duckdb_columns() using (database_name, schema_name, table_name) "
        f"group by all order by 1, 2").fetchall()
    return [Table(*row) for row in rows]


def _year_jobs(exports_dir: Path, staging: Path, table: Table, years: set[int | None], entry: dict | None,
               changed: set[int | None] | None) -> list[tuple[int, str]]:
    """Of a table by year with rows in `years`: keep (link) the previous files of the years that did not
    change; the copies that write the others."""
    linked = _link_years(exports_dir, staging, entry, years - changed) if changed is not None else set()
    written = years - linked
    for kind in FORMATS:
        (staging / f"{table.label}.{kind}").mkdir(exist_ok=True)
    if not written:
        return []
    where = "" if not linked else f" where {_in_years(written)}"
    select = f"select *, {YEAR_OF_MONTH} as {qi(YEAR)} from {table.relation}{where}"
    size = table.size * len(written) // max(len(years), 1)
    return [(size, f"copy ({select}) to {ql(str(staging / f'{table.label}.{kind}'))} "
                   f"({options}, partition_by ({qi(YEAR)}), overwrite_or_ignore true)")
            for kind, options in FORMATS.items()]


def _in_years(years: set[int | None]) -> str:
    known = sorted(y for y in years if y is not None)
    terms = [f"{YEAR_OF_MONTH} in ({', '.join(str(y) for y in known)})"] if known else []
    return "(" + " or ".join(terms + ([f"{qi(MONTH)} is null"] if None in years else [])) + ")"


def _run(con: duckdb.DuckDBPyConnection, jobs: list[tuple[int, str]]) -> None:
    """Every copy, largest first, on WRITERS cursors; the first failure is raised."""

    def copy(statement: str) -> None:
        cursor = con.cursor()
        try:
            cursor.execute(statement)
        finally:
            cursor.close()

    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="ctdss-export") as pool:
        pending = [pool.submit(copy, statement) for _, statement in sorted(jobs, key=lambda job: -job[0])]
        try:
            for done in pending:
                done.result()
        except BaseException:
            pool.shutdown(cancel_futures=True)  # the copies not started yet would be thrown away with the folder
            raise


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


def _entry(con: duckdb.DuckDBPyConnection, staging: Path, table: Table,
           year_rows: dict[int | None, int] | None) -> dict:
    """The manifest's entry for a table whose files are in `staging`; `year_rows`, of a table by year, its rows
    per year."""
    columns = con.execute(
        "select column_name, data_type, comment from duckdb_columns() where schema_name = ? and table_name = ? "
        "order by column_index", [table.schema, table.name]).fetchall()
    description = con.execute("select comment from duckdb_tables() where schema_name = ? and table_name = ?",
                              [table.schema, table.name]).fetchone()[0]
    entry = {"name": table.label, "description": description, "rows": None,
             "columns": [{"name": c, "type": t, "description": d} for c, t, d in columns]}
    if year_rows is None:
        entry["rows"] = con.execute(f"select count(*) from {table.relation}").fetchone()[0]
        entry["files"] = {kind: {"path": f"{table.label}.{kind}",
                                 "bytes": (staging / f"{table.label}.{kind}").stat().st_size} for kind in FORMATS}
        return entry
    entry["rows"] = sum(year_rows.values())
    entry["files"] = {kind: _year_files(staging, f"{table.label}.{kind}", year_rows) for kind in FORMATS}
    return entry


def _year_files(staging: Path, folder: str, rows: dict[int | None, int]) -> dict:
    """A folder of year files as the manifest lists it: its path, bytes, and each file with its year and rows."""
    parts = []
    for path in sorted((staging / folder).glob(f"{YEAR}=*/*")):
        year = _year_of(path.parent.name)
        parts.append({"path": str(path.relative_to(staging)), "year": year, "rows": rows.get(year, 0),
                      "bytes": path.stat().st_size})
    return {"path": folder, "partitioned_by": {"column": YEAR, "from": f"the calendar year of {MONTH}"},
            "bytes": sum(p["bytes"] for p in parts), "parts": parts}


def _year_of(folder_name: str) -> int | None:
    value = folder_name.split("=", 1)[1]
    return None if value == "NULL" else int(value)


def _previous_exports(exports_dir: Path) -> dict[str, dict]:
    try:
        manifest = json.loads((exports_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {t["name"]: t for t in manifest.get("tables", []) if isinstance(t, dict) and "name" in t}


def _same_layout(entry: dict | None, table: Table) -> bool:
    """Whether the previous files of a table are laid out as it is exported now (by year or whole)."""
    files = (entry or {}).get("files") or {}
    return set(files) == set(FORMATS) and all(("parts" in f) == table.by_year for f in files.values())


def _link_files(exports_dir: Path, staging: Path, entry: dict) -> bool:
    """Hard-link a kept table's previous export files into the new folder; False if any is missing."""
    for kind in entry["files"].values():
        if "parts" in kind:  # a folder by year, made even when the table has no rows to fill it
            (staging / kind["path"]).mkdir()
    return _link(exports_dir, staging, [part["path"] for f in entry["files"].values() for part in f.get("parts", [f])])


def _link_years(exports_dir: Path, staging: Path, entry: dict | None, years: set[int | None]) -> set[int | None]:
    """Hard-link the previous files of `years` whose files are there in every format; the years linked."""
    files = (entry or {}).get("files") or {}
    if set(files) != set(FORMATS) or not all("parts" in f for f in files.values()):
        return set()
    by_year: dict[int | None, dict[str, list[str]]] = {}
    for kind, listed in files.items():
        for part in listed["parts"]:
            by_year.setdefault(part["year"], {}).setdefault(kind, []).append(part["path"])
    return {year for year in years if set(by_year.get(year, {})) == set(FORMATS)
            and _link(exports_dir, staging, [name for names in by_year[year].values() for name in names])}


def _link(exports_dir: Path, staging: Path, names: list[str]) -> bool:
    """Hard-link the previous files `names` (paths inside the exports) into the new folder, or none of them and
    False when any is missing."""
    if not all((exports_dir / name).is_file() for name in names):
        return False
    for name in names:
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        os.link(exports_dir / name, staging / name)
    return True
