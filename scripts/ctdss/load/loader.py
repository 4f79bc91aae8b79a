"""A load: the selected datasets of the registry, each landed from a source in its own transaction.

A dataset that fails is rolled back and recorded in raw._load_audit; the others still load. A source may refuse
the whole load before anything lands (a snapshot checks all of itself first), and once the portal cannot be
reached at all the remaining datasets are recorded as failed without trying them again. A snapshot may hold only
some of the registered datasets: the others are reported as absent, one line each, and keep their previous
data, unless the load requires them all (or names them with --dataset).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from ctdss.errors import UserError
from ctdss.load.contract import Contract, Stamp, check_contract, vintage
from ctdss.load.landing import Pull, land_dataset, no_rows, refresh_label, window_start
from ctdss.load.outcome import Outcome
from ctdss.load.progress import NoProgress, ProgressSink
from ctdss.load.sources import AlreadyLanded, Source
from ctdss.load.warehouse import AuditEntry, Status, ensure_schema, last_loaded, ql, session, utcnow, write_audit
from ctdss.registry import Dataset, RefreshMode, Registry

UNCHANGED = "unchanged"  # the refresh of a dataset skipped because its vintage is the one last loaded


def _already_landed(datasets: list[Dataset], run: _Run, force: bool) -> AlreadyLanded:
    """Whether a dataset's metadata shows the vintage last landed (never with `force`, which lands all again).
    The warehouse is read at the first question, so a source that never asks leaves it unopened."""
    if force:
        return lambda ds, meta: False
    landed: dict[tuple[str, Stamp], object] = {}

    def unchanged(ds: Dataset, meta: dict) -> bool:
        if not landed:
            with run.session() as con:
                landed.update({(d.id, stamp): last_loaded(con, d, stamp) for d in datasets for stamp in Stamp})
        dated = vintage(meta)
        return dated is not None and landed.get((ds.id, dated.stamp)) == dated.at

    return unchanged


def new_load_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def load(
    registry: Registry,
    source: Source,
    db_path: Path,
    *,
    dataset_ids: list[str] | None = None,
    force: bool = False,
    full: bool = False,
    progress: ProgressSink | None = None,
    lock_timeout: float | None = None,
    require_all: bool = False,
) -> list[Outcome]:
    """Load the selected datasets from `source` into the warehouse. Returns one outcome per dataset the source
    holds; each one it lacks is reported to `progress` as absent (an error when `require_all` or named).

    A dataset that fails is rolled back and recorded; the others still load. The caller decides the exit code.
    """
    progress = progress or NoProgress()
    datasets = _held(registry.select(dataset_ids), source, require_all=require_all or bool(dataset_ids))
    now = utcnow()
    for ds in registry.select(dataset_ids):
        if ds not in datasets:
            progress.absent(ds, source.description)
    run = _Run(registry, source, Path(db_path), lock_timeout, new_load_id(now), now, progress)
    refused = source.preflight(datasets, registry.path, _already_landed(datasets, run, force))
    unreachable = False
    outcomes: list[Outcome] = []
    for ds in datasets:
        if refused:
            outcome = run.refuse(ds, refused, unreachable)
        else:
            outcome = _DatasetRun(run, ds).execute(force=force, full=full)
            if outcome.unreachable:
                refused = outcome.error  # the portal cannot be reached at all: do not try the rest again
                unreachable = True
        outcomes.append(outcome)
        run.progress.finished(outcome)
    return outcomes


def _held(datasets: list[Dataset], source: Source, *, require_all: bool) -> list[Dataset]:
    """The selected datasets the source holds. Refuses the load, before anything lands, when it must hold them
    all and does not, or when it holds none of them."""
    held = [ds for ds in datasets if source.holds(ds)]
    absent = [ds.id for ds in datasets if ds not in held]
    if absent and require_all:
        raise UserError(
            f"The {source.description} lacks registered dataset(s) {', '.join(absent)}, and the load requires "
            f"every dataset it loads to be there (--require-all, or named with --dataset). Nothing was loaded. "
            f"Extract them into the snapshot (`ctdss extract --out DIR`), or drop --require-all to load the "
            f"datasets it has and keep the previous data of the others."
        )
    if not held:
        raise UserError(
            f"The {source.description} holds none of the registered datasets ({', '.join(absent)}), so there is "
            f"nothing to load. Point --snapshot at a snapshot of them (`ctdss extract --out DIR`, or "
            f"`make sample` for the synthetic one)."
        )
    return held


@dataclass
class _Run:
    """What every dataset of one load shares. The warehouse is opened, and its raw schema made, only when the
    load first needs it: a load that cannot reach the portal at all never opens it, so it leaves no new file
    and an existing one as it was, byte for byte."""

    registry: Registry
    source: Source
    db_path: Path
    lock_timeout: float | None
    load_id: str
    loaded_at: datetime
    progress: ProgressSink
    opened: bool = False

    @contextlib.contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with session(self.db_path, self.lock_timeout) as con:
            if not self.opened:
                ensure_schema(con, self.registry)
                self.opened = True
            yield con

    def entry(self, ds: Dataset, status: Status, started: datetime, **values: object) -> AuditEntry:
        return AuditEntry(self.load_id, ds, self.source.description, status, started, self.source.synthetic,
                          **values)  # type: ignore[arg-type]

    def record(self, entry: AuditEntry, unreachable: bool = False) -> None:
        """Write the audit row; not for a portal never reached by a load that has not opened the warehouse."""
        if unreachable and not self.opened:
            return
        with self.session() as con:
            write_audit(con, entry)

    def refuse(self, ds: Dataset, error: str, unreachable: bool = False) -> Outcome:
        """Record the dataset as failed for a reason found before it was tried."""
        self.record(self.entry(ds, Status.FAILED, utcnow(), error=error), unreachable)
        return Outcome(ds, Status.FAILED, error=error, unreachable=unreachable)


@dataclass
class _DatasetRun:
    run: _Run
    ds: Dataset
    meta: dict | None = None
    contract: Contract | None = None

    def _record(self, status: Status, started: datetime, unreachable: bool = False, **values: object) -> None:
        self.run.record(self.run.entry(self.ds, status, started, meta=self.meta, contract=self.contract, **values),
                        unreachable)

    def execute(self, *, force: bool, full: bool) -> Outcome:
        ds = self.ds
        started = utcnow()
        clock = time.perf_counter()
        workdir = Path(tempfile.mkdtemp(prefix=f"ctdss-{ds.id}-"))
        try:
            self.run.progress.started(ds)
            return self._land(started, clock, workdir, force=force, full=full)
        except UserError as exc:
            unreachable = bool(getattr(exc, "unreachable", False))
            self._record(Status.FAILED, started, unreachable, error=str(exc))
            return Outcome(ds, Status.FAILED, seconds=time.perf_counter() - clock, error=str(exc),
                           unreachable=unreachable)
        except BaseException as exc:
            # An interruption (Ctrl-C) or a bug: the dataset's transaction is rolled back; record it, re-raise.
            with contextlib.suppress(Exception):
                self._record(Status.INTERRUPTED, started, error=f"{type(exc).__name__}: {exc}"[:500])
            raise
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _land(self, started: datetime, clock: float, workdir: Path, *, force: bool, full: bool) -> Outcome:
        ds, run, source = self.ds, self.run, self.run.source
        self.meta = meta = source.metadata(ds)
        self.contract = contract = check_contract(ds, meta, run.registry.path)
        dated = vintage(meta)
        stamp = str(dated.stamp) if dated else ""
        with run.session() as con:
            unchanged = not force and dated is not None and last_loaded(con, ds, dated.stamp) == dated.at
            window = None
            if source.serves_windows and ds.refresh.mode is RefreshMode.WINDOW and not full:
                window = window_start(con, ds)
        if unchanged:
            self._record(Status.SKIPPED, started, refresh=UNCHANGED)
            return Outcome(ds, Status.SKIPPED, refresh=UNCHANGED, vintage=stamp)
        refresh = refresh_label(window)
        where = f"{ds.fields['month']} >= {ql(window)}" if window else None
        files = source.fetch(ds, where, workdir, lambda n: run.progress.page(ds, n))
        if not files:
            raise no_rows(ds, window)
        source.confirm_vintage(ds, dated)
        pull = Pull(ds, meta, contract, files, run.load_id, run.loaded_at, source.synthetic, window)
        with run.session() as con:
            source.check_rows(con, ds, files, contract.served)
            rows, kept = land_dataset(con, run.registry.kind(ds.kind), pull,
                                      run.entry(ds, Status.LOADED, started, meta=meta, contract=contract,
                                                refresh=refresh))
        return Outcome(ds, Status.LOADED, rows_landed=rows, rows_kept=kept, seconds=time.perf_counter() - clock,
                       refresh=refresh, vintage=stamp, extras=contract.extras)
