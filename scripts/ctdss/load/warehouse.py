"""The warehouse file: quoting, opening it for writing (waiting on another writer's lock), the raw schema's DDL,
and the load audit (raw._load_audit). Used by landing, by the loader and by publish."""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import duckdb

from ctdss.config import lock_timeout_seconds, memory_limit
from ctdss.errors import UserError, first_line
from ctdss.load.contract import PROVENANCE, Contract, Stamp, epoch, rows_updated_at
from ctdss.registry import Dataset, Registry

T = TypeVar("T")

AUDIT_TABLE = "raw._load_audit"
AUDIT_DDL = f"""
create table if not exists {AUDIT_TABLE} (
    load_id varchar not null,
    dataset_id varchar not null,
    kind varchar not null,
    source varchar not null,
    status varchar not null,            -- loaded | skipped | failed | interrupted
    refresh varchar,                    -- full | window from <month> | unchanged
    started_at timestamp not null,
    finished_at timestamp not null,
    rows_landed bigint,
    rows_kept bigint,
    rows_in_table bigint,
    source_rows_updated_at timestamp,
    source_view_last_modified timestamp,
    served_columns varchar,             -- JSON list of the fieldNames the metadata listed
    extra_columns varchar,              -- JSON list of the served fields the registry does not map
    is_synthetic boolean,
    error varchar
)
"""


class Status(StrEnum):
    """What became of one dataset in one load, as raw._load_audit records it."""

    LOADED = "loaded"
    SKIPPED = "skipped"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


def qi(name: str) -> str:
    """Quote a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def ql(value: object) -> str:
    """Quote a SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# -- opening the file ----------------------------------------------------------------------------------------


def is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


def wait_for_lock(attempt: Callable[[], T], wait: float, max_delay: float = 1.0) -> T:
    """Call `attempt` until it stops failing on another process's file lock, for at most `wait` seconds. Any
    other error, or the lock still held at the deadline, is raised to the caller to explain."""
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            return attempt()
        except duckdb.IOException as exc:
            if not is_lock_error(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)  # polling a file lock held by another process
        delay = min(delay * 2, max_delay)


def connect(db_path: Path, timeout: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing, waiting for another writer (a load or a dbt build) to finish."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    wait = lock_timeout_seconds() if timeout is None else timeout
    try:
        return wait_for_lock(lambda: _open(db_path), wait)
    except duckdb.IOException as exc:
        text = str(exc)
        if not is_lock_error(exc):
            raise UserError(
                f"Cannot open the warehouse {db_path}: {text.splitlines()[0]}. If the file is damaged, move it "
                f"aside and rebuild with `make demo` or `make update`."
            ) from None
        holder = text.split("Conflicting lock is held in", 1)[-1].strip().rstrip(".") if (
            "Conflicting lock" in text
        ) else "another process"
        raise UserError(
            f"The warehouse {db_path} is in use by another writer ({holder}); waited {wait:g} s. Wait for "
            f"the other load or dbt build to finish and run again (CTDSS_LOCK_TIMEOUT sets the wait)."
        ) from None
    except duckdb.Error as exc:
        raise UserError(
            f"Cannot open the warehouse {db_path}: {first_line(exc)}. If the file is damaged or from "
            f"another program, move it aside and rebuild with `make demo` or `make update`."
        ) from None


def attach_read_only(con: duckdb.DuckDBPyConnection, db_path: Path, target: str) -> None:
    """Attach the working file as `work`, read-only, waiting while a load or dbt build holds it for writing. The
    errors name `make <target>` as the way to run the step again."""
    if not db_path.exists():
        raise UserError(f"The working warehouse {db_path} does not exist. Build it first with `make demo` "
                        f"(offline) or `make update`, then run `make {target}`.")
    try:
        wait_for_lock(lambda: con.execute(f"attach {ql(db_path)} as work (read_only)"), lock_timeout_seconds(),
                      max_delay=0.2)
    except duckdb.IOException as exc:
        raise UserError(
            f"Cannot read the working warehouse {db_path}: {str(exc).splitlines()[0]}. If a load or dbt "
            f"build is running, wait for it to finish and run `make {target}` again."
        ) from None


def _open(db_path: Path) -> duckdb.DuckDBPyConnection:
    with _creation_guard(db_path):
        # Streamed landing: a bounded memory limit (DuckDB spills to disk beyond it) and no insertion-order
        # buffering keep the loader's memory flat however large the dataset.
        return duckdb.connect(str(db_path), config={
            "memory_limit": memory_limit(),
            "preserve_insertion_order": False,
        })


@contextlib.contextmanager
def _creation_guard(db_path: Path) -> Iterator[None]:
    """Serialise the creation of a new warehouse file. DuckDB takes its file lock only once the file exists, so
    two loads starting on a missing file could otherwise each see the other's half-written header."""
    if db_path.exists() and db_path.stat().st_size > 0:
        yield
        return
    with open(db_path.with_name(db_path.name + ".create-lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def session(db_path: Path, lock_timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short write connection. The loader holds the file lock only while it reads its state or lands a
    dataset, never while it waits on the network, so dbt builds and other loads are not held up by a pull."""
    con = connect(db_path, lock_timeout)
    try:
        yield con
    finally:
        con.close()


def replace_table(con: duckdb.DuckDBPyConnection, target: str, description: str,
                  columns: dict[str, tuple[str, str]], rows: list[tuple]) -> None:
    """Create or replace `target` with `columns` ({name: (type, description)}), its descriptions and `rows`.
    All rows go in one statement, a list per column unnested side by side: `executemany` inserts row by row,
    which took most of a second for 1,663 rows."""
    con.execute(f"create or replace table {target} ("
                + ", ".join(f"{qi(name)} {kind}" for name, (kind, _) in columns.items()) + ")")
    if rows:
        values = [list(column) for column in zip(*rows, strict=True)]
        con.execute(f"insert into {target} select {', '.join('unnest(?)' for _ in columns)}", values)
    con.execute(f"comment on table {target} is {ql(description)}")
    for name, (_, text) in columns.items():
        con.execute(f"comment on column {target}.{qi(name)} is {ql(text)}")


# -- the raw schema ------------------------------------------------------------------------------------------


def ensure_schema(con: duckdb.DuckDBPyConnection, registry: Registry) -> None:
    """Create the raw schema, the audit table and an empty table per kind, so dbt always finds its sources."""
    con.execute("create schema if not exists raw")
    con.execute(AUDIT_DDL)
    for kind in registry.kinds:
        columns = [f"{qi(r)} varchar" for r in kind.roles] + [f"{qi(n)} {t}" for n, t in PROVENANCE]
        con.execute(f"create table if not exists raw.{qi(kind.name)} ({', '.join(columns)})")


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
        "and database_name = current_database() order by column_index",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


# -- the load audit ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    """One row of raw._load_audit: one dataset in one load."""

    load_id: str
    dataset: Dataset
    source: str
    status: Status
    started_at: datetime
    synthetic: bool | None
    meta: dict | None = None
    contract: Contract | None = None
    refresh: str | None = None
    rows_landed: int | None = None
    rows_kept: int | None = None
    rows_in_table: int | None = None
    error: str | None = None


def write_audit(con: duckdb.DuckDBPyConnection, entry: AuditEntry) -> None:
    """Insert the entry, finished now. Inside the landing transaction it commits (or rolls back) with the rows."""
    meta, contract = entry.meta or {}, entry.contract
    con.execute(
        f"insert into {AUDIT_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entry.load_id, entry.dataset.id, entry.dataset.kind, entry.source, str(entry.status), entry.refresh,
            entry.started_at, utcnow(), entry.rows_landed, entry.rows_kept, entry.rows_in_table,
            rows_updated_at(meta), epoch(meta, "viewLastModified"),
            json.dumps(contract.served) if contract else None,
            json.dumps(contract.extras) if contract else None,
            entry.synthetic, entry.error,
        ],
    )


VINTAGE_COLUMNS = {Stamp.ROWS_UPDATED_AT: "source_rows_updated_at",
                   Stamp.VIEW_LAST_MODIFIED: "source_view_last_modified"}


def last_loaded(con: duckdb.DuckDBPyConnection, ds: Dataset, stamp: Stamp = Stamp.ROWS_UPDATED_AT) -> datetime | None:
    """The `stamp` timestamp (rowsUpdatedAt or viewLastModified) of the dataset's last successful load, or None."""
    row = con.execute(
        f"select {VINTAGE_COLUMNS[stamp]} from {AUDIT_TABLE} where dataset_id = ? and status = ? "
        "order by finished_at desc limit 1",
        [ds.id, str(Status.LOADED)],
    ).fetchone()
    return row[0] if row else None
