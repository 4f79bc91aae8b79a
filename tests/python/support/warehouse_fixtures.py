"""Fixtures that build a warehouse from the bundled sample: land it with `ctdss load`, then run `dbt build`.

Every warehouse is a separate DuckDB file under pytest's tmp directory, built with its own dbt target path and
log path, so tests never touch `warehouse/ct_dss.duckdb` or the repository's `target/`.

A full build of the sample takes about a minute here, so the run builds it once (pytest-xdist's workers each get
a copy of that one build): a test that only reads the warehouse uses `built_warehouse`; a test that changes it
works on `copy_warehouse(...)` and rebuilds only the selection its change feeds (`dbt build --select
source:socrata.<kind>+`). Every dbt command of a test starts from the first parse its process made (see `run_dbt`).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "data" / "sample"
DBT_TIMEOUT_S = 900

__all__ = [
    "REPO",
    "SAMPLE",
    "BuiltWarehouse",
    "build_warehouse",
    "build_with_state",
    "built_warehouse",
    "copy_warehouse",
    "generated_docs",
    "dbt_env",
    "downstream_of",
    "NO_UNIT_TESTS",
    "land_snapshot",
    "query",
    "run_ctdss_build",
    "run_dbt",
    "start_dbt",
]


def _console_script(name: str) -> str:
    """The console script installed next to this interpreter (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"`{name}` is not installed beside {sys.executable} or on PATH; run `make setup`.")
    return found


def dbt_env(db: Path, logs: Path | None = None) -> dict[str, str]:
    """The environment dbt needs to build into `db`: the repository's profile, and logs kept beside the DB."""
    env = dict(os.environ)
    env.update(
        CTDSS_DB=str(db),
        DBT_PROFILES_DIR=str(REPO),
        DBT_LOG_PATH=str(logs or db.parent / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


# dbt keeps its parse (target/partial_parse.msgpack) only for the profile's connection it was parsed with, the
# DuckDB file's path included, so a warehouse at a new path would parse the whole project again: about 5 s of each
# dbt command here. A test's dbt therefore runs in its warehouse's folder and names the file relatively (every
# test warehouse is a ct_dss.duckdb), and a new target starts from the first parse this process made. dbt still
# checks that parse against every file, var and env var it read, and parses again whatever differs.
PARSE = "partial_parse.msgpack"
_first_parse: list[bytes] = []  # kept whole: a test may rewrite or delete the target it came from


def _in_its_folder(env: dict[str, str]) -> tuple[dict[str, str], Path]:
    """The environment and working folder for a dbt run on the warehouse env names: the file named from its own
    folder, so that every warehouse's profile connection reads alike."""
    db = Path(env.get("CTDSS_DB", ""))
    if not db.is_absolute():
        return env, REPO
    return {**env, "CTDSS_DB": db.name}, db.parent


def _from_the_first_parse(target: Path, env: dict[str, str]) -> tuple[dict[str, str], Path]:
    """Start `target` from this process's first parse; the environment and folder to run dbt in."""
    if _first_parse and not (target / PARSE).exists():
        target.mkdir(parents=True, exist_ok=True)
        (target / PARSE).write_bytes(_first_parse[0])
    return _in_its_folder(env)


def _remember_the_first_parse(target: Path) -> None:
    if not _first_parse and (target / PARSE).exists():
        _first_parse.append((target / PARSE).read_bytes())


def _parsing(command: list[str], env: dict[str, str], target: Path) -> subprocess.CompletedProcess[str]:
    """Run a command that parses the project into `target`; never raises on its failure."""
    env, folder = _from_the_first_parse(target, env)
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=DBT_TIMEOUT_S)
    _remember_the_first_parse(target)
    return done


def _dbt_command(args: Sequence[str], target: Path) -> list[str]:
    return [_console_script("dbt"), *args, "--project-dir", str(REPO), "--target-path", str(target)]


def start_dbt(args: Sequence[str], env: dict[str, str], target: Path, **popen) -> subprocess.Popen:
    """Start one dbt command on the repository's project with its own target path (the caller waits for it)."""
    target = REPO / target  # a relative target is the repository's, as it was when dbt ran there
    env, folder = _from_the_first_parse(target, env)
    return subprocess.Popen(_dbt_command(args, target), cwd=folder, env=env, **popen)


def run_dbt(args: Sequence[str], env: dict[str, str], target: Path) -> subprocess.CompletedProcess[str]:
    """Run one dbt command on the repository's project with its own target path; never raises on a dbt failure."""
    target = REPO / target  # a relative target is the repository's, as it was when dbt ran there
    return _parsing(_dbt_command(args, target), env, target)


def run_ctdss_build(args: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`ctdss build` with `args` on the warehouse env names, into env's DBT_TARGET_PATH, as `run_dbt` runs dbt."""
    return _parsing([_console_script("ctdss"), "build", *args], env, Path(env["DBT_TARGET_PATH"]))


# The dbt unit tests check the models' SQL on fixtures, whatever the landed data: the session's build runs them all
# (and its test fails if one fails), so a build of changed or perturbed data leaves them out.
NO_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


def downstream_of(kind: str) -> list[str]:
    """`dbt build` arguments for what a new landing of one kind changes: every node downstream of its source,
    without the unit tests."""
    return ["--select", f"source:socrata.{kind}+", *NO_UNIT_TESTS]


def land_snapshot(snapshot: Path, db: Path) -> subprocess.CompletedProcess[str]:
    """Land a snapshot directory into `db` with the loader's CLI; a failure fails the test with its output."""
    result = subprocess.run(
        [_console_script("ctdss"), "load", "--snapshot", str(snapshot), "--db", str(db)],
        cwd=REPO,
        env=dbt_env(db),
        capture_output=True,
        text=True,
        timeout=DBT_TIMEOUT_S,
    )
    if result.returncode != 0:
        pytest.fail(f"ctdss load --snapshot {snapshot} failed:\n{result.stdout}\n{result.stderr}")
    return result


def query(db: Path, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    """Run one read-only query against a built warehouse and return every row."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@dataclass
class BuiltWarehouse:
    """A warehouse landed from a snapshot and built by `dbt build`."""

    db: Path
    target: Path
    env: dict[str, str]
    build_seconds: float
    build: subprocess.CompletedProcess[str] = field(repr=False)
    state: Path | None = None  # the build state `ctdss build` kept, when it built the warehouse

    def dbt(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_dbt(args, self.env, self.target)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        return query(self.db, sql, params)


def rows_unlike_the_export(published: Path, table: str, exports: Path) -> int:
    """Rows of a published table (schema.name) and of its year-by-year Parquet export, read back as a user
    would (the folder, with its hive `year`), that the other lacks, as multisets."""
    folder = exports / f"{table}.parquet"
    export = f"select * exclude (year) from read_parquet('{folder}/*/*.parquet')"
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(f"select count(*) from (({export} except all select * from {table}) union all "
                           f"(select * from {table} except all {export}))").fetchone()[0]
    finally:
        con.close()


def copy_warehouse(warehouse: BuiltWarehouse, workdir: Path) -> Path:
    """A copy of a built warehouse's DuckDB file under `workdir`, for a test that lands or builds into it."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "ct_dss.duckdb"
    shutil.copy(warehouse.db, db)
    return db


def build_warehouse(snapshot: Path, workdir: Path, build_args: Sequence[str] = ()) -> BuiltWarehouse:
    """Land `snapshot` into a new DuckDB file under `workdir` and run `dbt build` (any outcome)."""
    if not (snapshot / "snapshot.json").exists() and not any(snapshot.glob("*/metadata.json")):
        pytest.fail(f"No snapshot at {snapshot}: regenerate the bundled sample with `make sample`.")
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "ct_dss.duckdb"
    target = workdir / "target"
    env = dbt_env(db)
    land_snapshot(snapshot, db)
    started = time.perf_counter()
    build = run_dbt(["build", *build_args], env, target)
    return BuiltWarehouse(db, target, env, time.perf_counter() - started, build)


def _with_state(workdir: Path) -> tuple[Path, Path, Path, dict[str, str]]:
    """The DuckDB file, dbt target, build state and environment of a warehouse built by `ctdss build` in
    `workdir`."""
    db, target, state = workdir / "ct_dss.duckdb", workdir / "target", workdir / "state"
    env = dbt_env(db)
    env.update(CTDSS_STATE_DIR=str(state), DBT_TARGET_PATH=str(target))
    return db, target, state, env


def build_with_state(snapshot: Path, workdir: Path) -> BuiltWarehouse:
    """Land `snapshot` into a new DuckDB file and build it with `ctdss build --full` (dbt build, plus the build
    state a later `ctdss build` refreshes against, under workdir/state)."""
    workdir.mkdir(parents=True, exist_ok=True)
    db, target, state, env = _with_state(workdir)
    land_snapshot(snapshot, db)
    started = time.perf_counter()
    build = run_ctdss_build(["--full"], env)
    return BuiltWarehouse(db, target, env, time.perf_counter() - started, build, state)


def _copy_of_build(built: Path, outcome: dict, workdir: Path) -> BuiltWarehouse:
    """A worker's own copy of the run's one build (its file, target and state), with the build's recorded outcome."""
    for name in ("ct_dss.duckdb", "target", "state"):
        source = built / name
        if source.is_dir():
            shutil.copytree(source, workdir / name)
        elif source.exists():
            shutil.copy(source, workdir / name)
    db, target, state, env = _with_state(workdir)
    build = subprocess.CompletedProcess(outcome["args"], outcome["returncode"], outcome["stdout"], outcome["stderr"])
    return BuiltWarehouse(db, target, env, outcome["seconds"], build, state)


def _session_build(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    """The bundled sample built once per run. pytest-xdist's workers share that one build: the first to take the
    lock builds it in the run's common temporary folder and records the outcome, and each worker then works on a
    copy of its own, since dbt and the loader each take the write lock of the file they open."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build_with_state(SAMPLE, tmp_path_factory.mktemp("warehouse"))
    shared = tmp_path_factory.getbasetemp().parent / "session-warehouse"
    recorded = shared.with_suffix(".json")
    with shared.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held until the file closes: the other workers wait here for the build
        if not recorded.exists():
            built = build_with_state(SAMPLE, shared)
            outcome = {"args": [str(a) for a in built.build.args], "returncode": built.build.returncode,
                       "stdout": built.build.stdout, "stderr": built.build.stderr, "seconds": built.build_seconds}
            recorded.write_text(json.dumps(outcome), encoding="utf-8")
    outcome = json.loads(recorded.read_text(encoding="utf-8"))
    return _copy_of_build(shared, outcome, tmp_path_factory.mktemp("warehouse"))


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    """The bundled sample, landed and built once per test run, with its build state (`ctdss build`, so a
    refresh can start from a copy of it). Fails if the build fails."""
    warehouse = _session_build(tmp_path_factory)
    _remember_the_first_parse(warehouse.target)  # the build may have run in another worker
    if warehouse.build.returncode != 0:
        pytest.fail(f"dbt build on the bundled sample failed:\n{warehouse.build.stdout[-20000:]}")
    return warehouse


@pytest.fixture(scope="session")
def generated_docs(built_warehouse: BuiltWarehouse) -> subprocess.CompletedProcess[str]:
    """`dbt docs generate --static` on the session warehouse, once: its target then holds the manifest, the
    catalog and static_index.html that the docs tests read (a test that rewrites them copies them first)."""
    result = built_warehouse.dbt("docs", "generate", "--static")
    assert result.returncode == 0, result.stdout[-5000:]
    return result
