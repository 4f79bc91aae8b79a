"""Landing: check a dataset's schema contract, land its rows as text, and swap them into raw.<kind> atomically.

One dataset is one transaction. One statement builds the new raw.<kind>: the rows of the kind's other datasets
(and, for a window refresh, this dataset's rows outside the window) and the dataset's rows read in bulk by DuckDB
from the page files. The new rows are validated and the load recorded in raw._load_audit, all before COMMIT.
Anything that fails rolls the transaction back, so the previous raw data and the rest of the database are
untouched; the failure is then recorded in raw._load_audit in a transaction of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ctdss.config import REGISTRY_PATH, lock_timeout_seconds
from ctdss.errors import UserError
from ctdss.registry import ROLES, Dataset, Kind, Registry

PROVENANCE: tuple[tuple[str, str], ...] = (
    ("_load_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
    ("_source_dataset_id", "VARCHAR"),
    ("_source_rows_updated_at", "TIMESTAMP"),
    ("_source_row_id", "VARCHAR"),
    ("_is_synthetic", "BOOLEAN"),
)
AUDIT_TABLE = "raw._load_audit"
AUDIT_DDL = f"""
create table if not exists {AUDIT_TABLE} (
    load_id varchar not null,
    dataset_id varchar not null,
    kind varchar not null,
    source varchar not null,
    status varchar not null,            -- loaded | skipped | failed | interrupted
    refresh varchar,                    -- full | window from <month> | snapshot
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


def qi(name: str) -> str:
    """Quote a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def ql(value: object) -> str:
    """Quote a SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


class LoadFailure(UserError):
    """A dataset could not be landed; the previous data is unchanged."""


@dataclass(frozen=True)
class Contract:
    served: list[str]
    extras: list[str]


@dataclass
class Outcome:
    dataset: Dataset
    status: str
    rows_landed: int = 0
    rows_kept: int = 0
    seconds: float = 0.0
    refresh: str = ""
    extras: list[str] = field(default_factory=list)
    error: str | None = None
    unreachable: bool = False

    @property
    def rows_per_second(self) -> float:
        return self.rows_landed / self.seconds if self.seconds > 0 else 0.0


# -- contract ------------------------------------------------------------------------------------------------


def check_contract(ds: Dataset, meta: dict, registry_path: Path | None = REGISTRY_PATH) -> Contract:
    """Check the metadata's columns against the fields the registry maps. Returns served and extra fields."""
    where = f"the entry for {ds.id} under table `{ds.kind}` in {registry_path or REGISTRY_PATH}"
    columns = meta.get("columns")
    if not isinstance(columns, list) or not all(isinstance(c, dict) and c.get("fieldName") for c in columns):
        raise LoadFailure(
            f"The metadata of dataset {ds.id} has no usable `columns` list (each with a `fieldName`), so its "
            f"fields cannot be checked against {where}. Nothing was loaded."
        )
    served = [str(c["fieldName"]) for c in columns if not str(c["fieldName"]).startswith(":")]
    missing = [(role, name) for role, name in ds.fields.items() if name not in served]
    if missing:
        wanted = ", ".join(f"`{name}` (role {role})" for role, name in missing)
        raise LoadFailure(
            f"Dataset {ds.id} ({ds.title}) does not serve the field(s) {wanted} that the registry maps. The "
            f"portal's metadata lists these fields: {', '.join(served) or 'none'}. If a field was renamed, edit "
            f"{where} (its `fields`) to map each role to one of them, then run again. Nothing was loaded."
        )
    mapped = set(ds.fields.values())
    extras = [name for name in served if name not in mapped]
    reserved = {r.lower() for r in ROLES} | {name.lower() for name, _ in PROVENANCE}
    clashes = [name for name in extras if name.lower() in reserved or name.startswith("_")]
    lowered = [name.lower() for name in served]
    clashes += sorted({name for name in served if lowered.count(name.lower()) > 1})
    if clashes:
        raise LoadFailure(
            f"Dataset {ds.id} serves field(s) {', '.join(clashes)} whose names clash with the raw table's role "
            f"or provenance columns (or with each other, ignoring case). Map them to a role in {where}, or "
            f"report the dataset's schema change. Nothing was loaded."
        )
    return Contract(served=served, extras=extras)


def rows_updated_at(meta: dict) -> datetime | None:
    """The dataset's rowsUpdatedAt (epoch seconds in the metadata) as a UTC timestamp: the data's vintage."""
    return _epoch(meta, "rowsUpdatedAt")


def _epoch(meta: dict, key: str) -> datetime | None:
    value = meta.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    return None


# -- the database --------------------------------------------------------------------------------------------


def connect(db_path: Path, timeout: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing, waiting for another writer (a load or a dbt build) to finish."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    wait = lock_timeout_seconds() if timeout is None else timeout
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            with _creation_guard(db_path):
                # Streamed landing: a bounded memory limit (DuckDB spills to disk beyond it) and no
                # insertion-order buffering keep the loader's memory flat however large the dataset.
                return duckdb.connect(str(db_path), config={
                    "memory_limit": os.environ.get("CTDSS_MEMORY_LIMIT", "256MB"),
                    "preserve_insertion_order": False,
                })
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise UserError(
                    f"Cannot open the warehouse {db_path}: {text.splitlines()[0]}. If the file is damaged, move it "
                    f"aside and rebuild with `make demo` or `make build`."
                ) from None
            if time.monotonic() >= deadline:
                holder = text.split("Conflicting lock is held in", 1)[-1].strip().rstrip(".") if (
                    "Conflicting lock" in text
                ) else "another process"
                raise UserError(
                    f"The warehouse {db_path} is in use by another writer ({holder}); waited {wait:g} s. Wait for "
                    f"the other load or dbt build to finish and run again (CTDSS_LOCK_TIMEOUT sets the wait)."
                ) from None
            time.sleep(delay)  # polling a file lock held by another process
            delay = min(delay * 2, 1.0)
        except duckdb.Error as exc:
            raise UserError(
                f"Cannot open the warehouse {db_path}: {_first_line(exc)}. If the file is damaged or from "
                f"another program, move it aside and rebuild with `make demo` or `make build`."
            ) from None


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


def ensure_schema(con: duckdb.DuckDBPyConnection, registry: Registry) -> None:
    """Create the raw schema, the audit table and an empty table per kind, so dbt always finds its sources."""
    con.execute("create schema if not exists raw")
    con.execute(AUDIT_DDL)
    for kind in registry.kinds:
        columns = [f"{qi(r)} varchar" for r in kind.roles] + [f"{qi(n)} {t}" for n, t in PROVENANCE]
        con.execute(f"create table if not exists raw.{qi(kind.name)} ({', '.join(columns)})")


def _table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
        "and database_name = current_database() order by column_index",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def _last_loaded(con: duckdb.DuckDBPyConnection, ds: Dataset) -> datetime | None:
    row = con.execute(
        f"select source_rows_updated_at from {AUDIT_TABLE} where dataset_id = ? and status = 'loaded' "
        "order by finished_at desc limit 1",
        [ds.id],
    ).fetchone()
    return row[0] if row else None


def _window_start(con: duckdb.DuckDBPyConnection, ds: Dataset) -> str | None:
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


# -- landing one dataset -------------------------------------------------------------------------------------


def _file_list(files: list[Path]) -> str:
    return "[" + ", ".join(ql(str(f)) for f in files) + "]"


def _check_row_keys(con: duckdb.DuckDBPyConnection, ds: Dataset, files: list[Path], served: list[str]) -> None:
    """Every field in the rows must be one the metadata lists, so nothing served is silently left out."""
    try:
        keys = [r[0] for r in con.execute(
            f"select distinct unnest(json_keys(json)) from read_json_objects({_file_list(files)}, format='array')"
        ).fetchall()]
    except duckdb.Error as exc:
        raise LoadFailure(
            f"The rows of dataset {ds.id} are not a JSON array of row objects: {_first_line(exc)}. "
            f"Nothing was loaded; re-extract the data (`ctdss extract`) or check the portal."
        ) from None
    unknown = sorted(set(keys) - set(served) - {":id"})
    if unknown:
        raise LoadFailure(
            f"The rows of dataset {ds.id} carry field(s) {', '.join(unknown)} that its metadata does not list "
            f"(the metadata lists {', '.join(served)}). The metadata and the rows disagree, so the dataset was "
            f"not loaded; run again later, or re-extract the snapshot."
        )


def land_dataset(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    ds: Dataset,
    meta: dict,
    contract: Contract,
    files: list[Path],
    *,
    load_id: str,
    loaded_at: datetime,
    synthetic: bool,
    window_start: str | None,
    source_description: str,
    started_at: datetime,
) -> tuple[int, int]:
    """Land the files as the dataset's new rows in one transaction. Returns (rows landed, rows kept).
    The files' fields must have been checked against the metadata (`_check_row_keys`)."""
    json_columns = {":id": "VARCHAR", **{name: "VARCHAR" for name in contract.served}}
    columns_arg = "{" + ", ".join(f"{ql(k)}: {ql(v)}" for k, v in json_columns.items()) + "}"
    rua = rows_updated_at(meta)
    select = [f"src.{qi(name)} as {qi(role)}" for role, name in ds.fields.items()]
    select += [f"{ql(value)} as {qi(role)}" for role, value in ds.constants.items()]
    select += [f"src.{qi(name)} as {qi(name)}" for name in contract.extras]
    select += [
        f"{ql(load_id)} as _load_id",
        f"{ql(loaded_at.isoformat(sep=' '))}::timestamp as _loaded_at",
        f"{ql(ds.id)} as _source_dataset_id",
        (f"{ql(rua.isoformat(sep=' '))}::timestamp" if rua else "null::timestamp") + " as _source_rows_updated_at",
        'src.":id" as _source_row_id',
        f"{'true' if synthetic else 'false'} as _is_synthetic",
    ]
    target = f"raw.{qi(kind.name)}"
    keep = f"_source_dataset_id <> {ql(ds.id)}"
    if window_start:
        keep += f" or (\"month\" < {ql(window_start)} or \"month\" is null)"
    provenance = [name for name, _ in PROVENANCE]
    roles = list(kind.roles)
    con.execute("begin transaction")
    try:
        existing = _table_columns(con, "raw", kind.name)
        new = [*ds.fields, *ds.constants, *contract.extras]
        extras = [c for c in existing + new if c not in roles and c not in provenance]
        ordered = list(dict.fromkeys(roles + extras + provenance))
        kept = con.execute(
            f"select count(*) from {target} where _source_dataset_id = ? and ({keep})", [ds.id]
        ).fetchone()[0]
        # One statement writes the kind's new table: the rows kept from before and the dataset's new rows, read
        # straight from the page files. It is checked below and replaces the old table only at COMMIT.
        try:
            con.execute(
                f"create or replace table {target} as select {', '.join(qi(c) for c in ordered)} from ("
                f"select * from {target} where {keep} union all by name "
                f"select {', '.join(select)} "
                f"from read_json({_file_list(files)}, format='array', columns={columns_arg}) as src)"
            )
        except duckdb.Error as exc:
            raise LoadFailure(
                f"Dataset {ds.id} could not be read: {_first_line(exc)}. Nothing was loaded; re-extract "
                f"the data (`ctdss extract`) or check the portal."
            ) from None
        landed = f"{target} where _source_dataset_id = {ql(ds.id)} and _load_id = {ql(load_id)}"
        rows, with_id, distinct = con.execute(
            f"select count(*), count(_source_row_id), count(distinct _source_row_id) from {landed}"
        ).fetchone()
        if rows == 0:
            scope = f" for months from {window_start}" if window_start else ""
            raise LoadFailure(
                f"Dataset {ds.id} served no rows{scope}. An empty publication would wipe the previous data, so "
                f"it was not loaded; check the dataset on the portal (or run with --full)."
            )
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
        total = con.execute(f"select count(*) from {target}").fetchone()[0]
        _audit(
            con, load_id, ds, source_description, "loaded", started_at, meta, contract,
            rows_landed=rows, rows_kept=kept, rows_in_table=total, synthetic=synthetic,
            refresh=f"window from {window_start[:7]}" if window_start else "full",
        )
        con.execute("commit")
        return rows, kept
    except BaseException:
        con.execute("rollback")
        raise


def _audit(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    ds: Dataset,
    source: str,
    status: str,
    started_at: datetime,
    meta: dict | None,
    contract: Contract | None,
    *,
    rows_landed: int | None = None,
    rows_kept: int | None = None,
    rows_in_table: int | None = None,
    synthetic: bool | None = None,
    refresh: str | None = None,
    error: str | None = None,
) -> None:
    meta = meta or {}
    con.execute(
        f"insert into {AUDIT_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id, ds.id, ds.kind, source, status, refresh, started_at, _utcnow(),
            rows_landed, rows_kept, rows_in_table,
            rows_updated_at(meta), _epoch(meta, "viewLastModified"),
            json.dumps(contract.served) if contract else None,
            json.dumps(contract.extras) if contract else None,
            synthetic, error,
        ],
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0].rstrip(".")


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_load_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


# -- a whole run ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def session(db_path: Path, lock_timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short write connection. The loader holds the file lock only while it reads its state or lands a
    dataset, never while it waits on the network, so dbt builds and other loads are not held up by a pull."""
    con = connect(db_path, lock_timeout)
    try:
        yield con
    finally:
        con.close()


def load(
    registry: Registry,
    source,
    db_path: Path,
    *,
    dataset_ids: list[str] | None = None,
    force: bool = False,
    full: bool = False,
    progress: Callable[[str, Dataset, int], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    lock_timeout: float | None = None,
) -> list[Outcome]:
    """Load the selected datasets from `source` into the warehouse. Returns one outcome per dataset.

    A dataset that fails is rolled back and recorded; the others still load. The caller decides the exit code.
    """
    datasets = registry.select(dataset_ids)
    report = progress or (lambda event, ds, rows: None)
    with session(db_path, lock_timeout) as con:
        ensure_schema(con, registry)
    now = _utcnow()
    load_id = new_load_id(now)
    outcomes: list[Outcome] = []
    unreachable: str | None = None
    # A snapshot is one publication: check all of it before landing any of it, so a bad file never leaves the
    # warehouse with some datasets from the new vintage and some from the old.
    refused = None if source.live else _preflight(source, datasets)
    for ds in datasets:
        if refused:
            with session(db_path, lock_timeout) as con:
                _audit(con, load_id, ds, source.description, "failed", _utcnow(), None, None,
                       synthetic=source.synthetic, error=refused)
            outcome = Outcome(ds, "failed", error=refused)
        elif unreachable:
            # The portal could not be reached at all: record the rest without trying them again.
            with session(db_path, lock_timeout) as con:
                _audit(con, load_id, ds, source.description, "failed", _utcnow(), None, None,
                       synthetic=source.synthetic, error=unreachable)
            outcome = Outcome(ds, "failed", error=unreachable)
        else:
            run = _DatasetRun(db_path, lock_timeout, registry.kind(ds.kind), ds, source, load_id, now, report)
            outcome = run.execute(force=force, full=full)
            if outcome.unreachable:
                unreachable = outcome.error
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return outcomes


def _preflight(source, datasets: list[Dataset]) -> str | None:
    """The first problem found in a snapshot's datasets (metadata, contract, files, row fields), or None."""
    scratch = duckdb.connect()
    workdir = Path(tempfile.mkdtemp(prefix="ctdss-check-"))
    try:
        for ds in datasets:
            try:
                meta = source.metadata(ds)
                contract = check_contract(ds, meta)
                _check_row_keys(scratch, ds, source.fetch(ds, None, workdir, lambda n: None), contract.served)
            except UserError as exc:
                return str(exc)
        return None
    finally:
        scratch.close()
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class _DatasetRun:
    db_path: Path
    lock_timeout: float | None
    kind: Kind
    ds: Dataset
    source: object
    load_id: str
    loaded_at: datetime
    report: Callable[[str, Dataset, int], None]
    meta: dict | None = None
    contract: Contract | None = None

    def _audit(self, status: str, started: datetime, **values) -> None:
        with session(self.db_path, self.lock_timeout) as con:
            _audit(con, self.load_id, self.ds, self.source.description, status, started, self.meta, self.contract,
                   synthetic=self.source.synthetic, **values)

    def execute(self, *, force: bool, full: bool) -> Outcome:
        ds, source = self.ds, self.source
        started = _utcnow()
        clock = time.perf_counter()
        workdir = Path(tempfile.mkdtemp(prefix=f"ctdss-{ds.id}-"))
        try:
            self.report("start", ds, 0)
            self.meta = meta = source.metadata(ds)
            self.contract = contract = check_contract(ds, meta)
            rua = rows_updated_at(meta)
            with session(self.db_path, self.lock_timeout) as con:
                unchanged = not force and rua is not None and _last_loaded(con, ds) == rua
                window_start = None
                if source.live and ds.refresh.mode == "window" and not full:
                    window_start = _window_start(con, ds)
            if unchanged:
                self._audit("skipped", started, refresh="unchanged")
                return Outcome(ds, "skipped", refresh="unchanged rowsUpdatedAt")
            where = f"{ds.fields['month']} >= {ql(window_start)}" if window_start else None
            files = source.fetch(ds, where, workdir, lambda n: self.report("page", ds, n))
            if not files:
                raise LoadFailure(
                    f"Dataset {ds.id} served no rows{' from ' + window_start if window_start else ''}. An empty "
                    f"publication would wipe the previous data, so it was not loaded; check the dataset on the "
                    f"portal."
                )
            if source.live and rows_updated_at(source.metadata(ds)) != rua:
                raise LoadFailure(
                    f"Dataset {ds.id} was updated on the portal while it was being pulled (rowsUpdatedAt "
                    f"changed), so the pages may mix two versions. Nothing was loaded; run again."
                )
            with session(self.db_path, self.lock_timeout) as con:
                if source.live:  # a snapshot's rows were checked, with the whole snapshot, before any landing
                    _check_row_keys(con, ds, files, contract.served)
                rows, kept = land_dataset(
                    con, self.kind, ds, meta, contract, files, load_id=self.load_id, loaded_at=self.loaded_at,
                    synthetic=source.synthetic, window_start=window_start, source_description=source.description,
                    started_at=started,
                )
            return Outcome(ds, "loaded", rows_landed=rows, rows_kept=kept, seconds=time.perf_counter() - clock,
                           refresh=f"window from {window_start[:7]}" if window_start else "full",
                           extras=contract.extras)
        except UserError as exc:
            self._audit("failed", started, error=str(exc))
            return Outcome(ds, "failed", seconds=time.perf_counter() - clock, error=str(exc),
                           unreachable=bool(getattr(exc, "unreachable", False)))
        except BaseException as exc:
            # An interruption (Ctrl-C) or a bug: the dataset's transaction is rolled back; record it, re-raise.
            with contextlib.suppress(Exception):
                self._audit("interrupted", started, error=f"{type(exc).__name__}: {exc}"[:500])
            raise
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
