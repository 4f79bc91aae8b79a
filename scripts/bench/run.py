"""The benchmark harness behind `make bench`: every figure measured in one run, on the same data.

For each scale (1x, 10x, 100x of a town x assistance type x month table; see scale.py) it measures:
  - landing from a snapshot: rows/s and peak RSS of the loader's process (os.wait4), the loader as it is, and
    again with the DuckDB settings proposed for it (memory_limit, preserve_insertion_order);
  - landing through the local Socrata emulator (the loader's live path, $order=:id pages of 50,000 rows);
  - the naive baseline in the same run, on the same data and the same emulator: sodapy's default get_all into
    pandas, then DuckDB executemany (scripts/bench/baseline.py, in its own venv);
  - `dbt build` of the project plus the benchmark models over the scaled table: wall time, and node time per
    layer (from run_results.json, each test counted with the layer of the model it tests);
  - an incremental `dbt build` after one new month arrives: wall time, its ratio to the full build, and the
    rows the incremental models rewrote against the rows of the refresh window;
and once: `make demo` end to end on a fresh warehouse file, after install.

Results go to a JSON file and a Markdown page (docs/benchmarks.json and docs/benchmarks.md for a full run).

    .venv/bin/python scripts/bench/run.py                 # 1x, 10x, 100x; writes docs/benchmarks.*
    .venv/bin/python scripts/bench/run.py --smoke         # 1x of a small unit: checks the harness end to end
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import report  # noqa: E402
import scale  # noqa: E402

BIN = Path(sys.executable).parent
DEFAULT_WORK = PROJECT_ROOT / "warehouse" / "bench"
REQUIREMENTS = HERE / "requirements-baseline.txt"
BENCH_MODELS = HERE / "dbt"
REGISTRY = Path("models") / "staging" / "socrata" / "_socrata__sources.yml"
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml")
PROJECT_DIRS = ("models", "macros", "seeds", "snapshots", "analyses", "tests/dbt")
# The settings the benchmark proposes for the loader's DuckDB connection (measured next to the loader as is).
PROPOSED_SETTINGS = {"memory_limit": "256MB", "preserve_insertion_order": "false"}
BENCH_FACT = "fct_bench_town_program_participation_monthly"
RESOURCE_TYPES = ("model", "seed", "snapshot", "test", "unit_test")
LAYERS = ("seeds", "staging", "intermediate", "qa", "marts", "reporting", "snapshots", "other")

TARGETS = {
    "landing_rows_per_second": 1_000_000,
    "landing_peak_rss_mb": 400,
    "emulator_vs_baseline": 10,
    "marts_seconds": 60,
    "growth_per_10x": 12,
    "incremental_ratio": 0.25,
    "demo_seconds": 30,
    "report_seconds": 10,
}


class BenchError(Exception):
    """A step of the benchmark failed; the message says which, why and where its log is."""


@dataclass
class Run:
    work: Path
    scales: list[int]
    unit_rows: int
    emulator_scales: list[int]
    baseline_scales: list[int]
    demo: bool
    repeat: int
    baseline_venv: Path
    root: Path = PROJECT_ROOT
    logs: Path = field(init=False)

    def __post_init__(self) -> None:
        self.logs = self.work / "logs"


# -- processes ----------------------------------------------------------------------------------------------


def measured(cmd: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> dict:
    """Run a command; return its wall time, its peak RSS (wait4's ru_maxrss) and its stdout.

    On Linux ru_maxrss also counts the image the child was forked from, before it ran its program; the
    measured scripts (land.py, baseline.py) therefore report their own high-water mark (VmHWM), which
    peak_rss_mb() prefers.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as err:
        err.write("$ " + " ".join(cmd) + "\n")
        err.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, cwd=cwd, text=True)
        out = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.write(out)
    return {"returncode": proc.returncode, "wall_seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024,
            "stdout": out}


def peak_rss_mb(result: dict, info: dict) -> float:
    """The measured process's peak RSS: its own VmHWM when it reported one, else wait4's figure."""
    own = info.get("vm_hwm_kb")
    return round(own / 1024 if own else result["peak_rss_mb"], 1)


def last_json(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict):
                return value
    return {}


def checked(result: dict, what: str, log: Path) -> dict:
    if result["returncode"] != 0:
        detail = last_json(result["stdout"]).get("error") or "see the log"
        raise BenchError(f"{what} failed (exit {result['returncode']}): {detail}. Log: {log}")
    return result


# -- set-up -------------------------------------------------------------------------------------------------


def baseline_python(venv: Path) -> Path:
    """The baseline's own venv (pandas, sodapy, duckdb), made from requirements-baseline.txt when missing."""
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists() and stamp.read_text() == REQUIREMENTS.read_text():
        return python
    print(f"bench: installing the baseline's packages into {venv} (once)", flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(REQUIREMENTS)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise BenchError(
            f"Could not install the baseline's packages ({REQUIREMENTS.name}) into {venv}: "
            f"{(result.stderr.strip().splitlines() or ['no message'])[-1]}. The baseline needs pandas from "
            f"the package index; check the network or a pip proxy, then run again."
        )
    stamp.write_text(REQUIREMENTS.read_text())
    return python


def write_registry(path: Path, root: Path) -> Path:
    """The project's registry plus the benchmark's kind: the loader lands both with the same code."""
    doc = yaml.safe_load((root / REGISTRY).read_text(encoding="utf-8"))
    source = next(s for s in doc["sources"] if s.get("name") == "socrata")
    source["tables"] = [t for t in source.get("tables") or [] if t.get("name") != scale.KIND]
    source["tables"].append({
        "name": scale.KIND,
        "config": {"meta": {
            "grain": "town x assistance type x month",
            "required_roles": ["town", "program", "month", "count"],
            # The properties the registry asks of every kind; the benchmark's own models read the kind directly.
            "geography": "town",
            "period": "month",
            "series": scale.KIND,
            "datasets": [{
                "id": scale.DATASET_ID,
                "title": "DSS Township Counts - by Assistance Type - by Month (synthetic, benchmark)",
                "grain": "one row per town, assistance type and month",
                "fields": dict(scale.FIELDS),
                "refresh": {"mode": "window", "window_months": 3},
            }],
        }},
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def copy_project(dest: Path, root: Path) -> Path:
    """A copy of the dbt project with the benchmark's models added beside the project's, layer by layer."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in PROJECT_FILES:
        if (root / name).exists():
            shutil.copy2(root / name, dest / name)
    for name in PROJECT_DIRS:
        if (root / name).is_dir():
            shutil.copytree(root / name, dest / name)
    for name in ("models", "macros"):
        shutil.copytree(BENCH_MODELS / name, dest / name, dirs_exist_ok=True)
    return dest


def dbt_env(db: Path, project: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "CTDSS_DB": str(db),
        "DBT_PROFILES_DIR": str(project),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET_PATH": str(project / "target"),
        "DBT_LOG_PATH": str(project / "logs"),
    })
    return env


# -- measurements -------------------------------------------------------------------------------------------


def land(
    run: Run,
    registry: Path,
    db: Path,
    log: Path,
    *,
    snapshot: Path | None = None,
    portal: str | None = None,
    datasets: list[str] | None = None,
    settings: dict[str, str] | None = None,
    fresh: bool = True,
) -> dict:
    if fresh:
        for suffix in ("", ".wal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    cmd = [sys.executable, str(HERE / "land.py"), "--registry", str(registry), "--db", str(db)]
    cmd += ["--snapshot", str(snapshot)] if snapshot else ["--portal", str(portal)]
    for ds in datasets or []:
        cmd += ["--dataset", ds]
    for name, value in (settings or {}).items():
        cmd += ["--set", f"{name}={value}"]
    result = checked(measured(cmd, log), "Landing", log)
    info = last_json(result["stdout"])
    rows = int(info["rows"])
    return {
        "rows": rows,
        "seconds": round(info["seconds"], 3),
        "rows_per_second": round(rows / info["seconds"]),
        "process_seconds": round(result["wall_seconds"], 3),
        "peak_rss_mb": peak_rss_mb(result, info),
        "rows_kept": int(info.get("rows_kept") or 0),
        "refresh": ", ".join(sorted({d.get("refresh") or "" for d in info.get("datasets", {}).values()})),
    }


def median_of(repeat: int, measure) -> dict:
    """Repeat a measurement; keep the run with the median time (the machine may be shared)."""
    runs = [measure() for _ in range(max(1, repeat))]
    runs.sort(key=lambda r: r["seconds"])
    chosen = dict(runs[len(runs) // 2])
    if len(runs) > 1:
        chosen["repeats"] = len(runs)
        chosen["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return chosen


@dataclass
class Emulator:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the emulator's process has used so far (Linux /proc; 0 where it cannot be read)."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return 0.0


def with_emulator_cpu(emu: Emulator, measure) -> dict:
    """A landing through the emulator, with the CPU time the emulator spent serving it."""
    before = emu.cpu_seconds()
    figures = measure()
    figures["emulator_cpu_seconds"] = round(emu.cpu_seconds() - before, 2)
    return figures


@contextlib.contextmanager
def emulator(snapshot: Path, log: Path) -> Iterator[Emulator]:
    """The local Socrata emulator serving a snapshot, in a process of its own (scripts/bench/emulate.py)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, str(HERE / "emulate.py"), str(snapshot)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True)
        try:
            first = proc.stdout.readline().strip() if proc.stdout else ""
            if not first.startswith("http"):
                raise BenchError(
                    f"The local Socrata emulator did not start ({first or 'no output'}); the emulator "
                    f"figures need tests/python/support/socrata_emulator.py. Log: {log}. To skip them, run with "
                    f"--emulator-scales none --baseline-scales none."
                )
            yield Emulator(first, proc.pid)
        finally:
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def baseline(run: Run, python: Path, portal: str, scale_: int) -> dict:
    db = run.work / "land" / f"baseline-{scale_}x.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    log = run.logs / f"baseline-{scale_}x.log"
    cmd = [str(python), str(HERE / "baseline.py"), "--portal", portal, "--dataset", scale.DATASET_ID,
           "--db", str(db)]
    result = checked(measured(cmd, log), "The naive baseline", log)
    info = last_json(result["stdout"])
    db.unlink(missing_ok=True)
    return {
        "rows": info["rows"],
        "seconds": round(info["seconds"], 3),
        "rows_per_second": round(info["rows"] / info["seconds"]),
        "get_all_seconds": round(info["get_all_seconds"], 3),
        "dataframe_seconds": round(info["dataframe_seconds"], 3),
        "insert_seconds": round(info["insert_seconds"], 3),
        "pages": info["pages"],
        "peak_rss_mb": peak_rss_mb(result, info),
    }


def dbt(project: Path, db: Path, log: Path, *args: str) -> dict:
    cmd = [str(BIN / "dbt"), *args, "--project-dir", str(project)]
    result = measured(cmd, log, env=dbt_env(db, project), cwd=project)
    if result["returncode"] != 0:
        raise BenchError(
            f"`dbt {' '.join(args)}` failed on the benchmark warehouse {db} (exit {result['returncode']}); "
            f"the failing nodes are in {log}."
        )
    return result


def layer_of(path: str) -> str:
    parts = Path(path).parts
    if not parts:
        return "other"
    if parts[0] == "seeds":
        return "seeds"
    if parts[0] == "snapshots":
        return "snapshots"
    if parts[0] == "models" and len(parts) > 1:
        if parts[1] == "marts" and len(parts) > 2 and parts[2] == "reporting":
            return "reporting"
        if parts[1] in ("staging", "intermediate", "qa", "marts"):
            return parts[1]
    return "other"


def dbt_timings(project: Path) -> dict:
    """Node time per layer, from run_results.json; a test counts with the layer of the model it tests."""
    target = project / "target"
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    order = {name: i for i, name in enumerate(LAYERS)}

    def node_layer(unique_id: str) -> str:
        node = nodes.get(unique_id) or {}
        if node.get("resource_type") in ("test", "unit_test"):
            parents = [node.get("attached_node")] if node.get("attached_node") else []
            parents += (node.get("depends_on") or {}).get("nodes", [])
            layers = [node_layer(p) for p in parents if p and p in nodes and p != unique_id]
            layers = [x for x in layers if x != "other"] or ["other"]
            return max(layers, key=lambda x: order[x])
        return layer_of(node.get("original_file_path", ""))

    layers = {name: {"seconds": 0.0, "models": 0, "tests": 0} for name in LAYERS}
    bench = {"seconds": 0.0, "nodes": 0}
    bench_marts = {"seconds": 0.0, "nodes": 0}
    failed = []
    for r in results["results"]:
        uid = r["unique_id"]
        if (nodes.get(uid) or {}).get("resource_type") not in RESOURCE_TYPES:
            continue
        layer = node_layer(uid)
        entry = layers[layer]
        entry["seconds"] += r.get("execution_time") or 0.0
        kind = (nodes.get(uid) or {}).get("resource_type", "")
        entry["tests" if kind in ("test", "unit_test") else "models"] += 1
        if r.get("status") not in ("success", "pass", "warn"):
            failed.append(uid)
        if _is_bench(nodes, uid):
            bench["seconds"] += r.get("execution_time") or 0.0
            bench["nodes"] += 1
            if layer in ("marts", "reporting"):
                bench_marts["seconds"] += r.get("execution_time") or 0.0
                bench_marts["nodes"] += 1
    for entry in (*layers.values(), bench, bench_marts):
        entry["seconds"] = round(entry["seconds"], 3)
    return {
        "layers": {k: v for k, v in layers.items() if v["models"] or v["tests"]},
        "bench_table_nodes": bench,
        "bench_table_marts": bench_marts,
        "invocation_id": results["metadata"]["invocation_id"],
        "nodes": len(results["results"]),
        "failed": failed,
    }


def _is_bench(nodes: dict, uid: str) -> bool:
    node = nodes.get(uid) or {}
    if "/bench/" in "/" + node.get("original_file_path", ""):
        return True
    parents = [node.get("attached_node")] + (node.get("depends_on") or {}).get("nodes", [])
    return node.get("resource_type") in ("test", "unit_test") and any(
        p and "/bench/" in "/" + (nodes.get(p) or {}).get("original_file_path", "") for p in parents
    )


def touched(db: Path, invocation_id: str, window_months: int) -> dict:
    """Rows of the benchmark fact that an incremental run rewrote, against the rows of its refresh window."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        total, rewritten, months_rewritten, last = con.execute(
            f"select count(*), count(*) filter (where dbt_invocation_id = ?), "
            f"count(distinct month_start_date) filter (where dbt_invocation_id = ?), max(month_start_date) "
            f"from marts.{BENCH_FACT}",
            [invocation_id, invocation_id],
        ).fetchone()
        window_rows = con.execute(
            f"select count(*) from marts.{BENCH_FACT} "
            f"where month_start_date >= ?::date - to_months({window_months})",
            [last],
        ).fetchone()[0]
    finally:
        con.close()
    return {"fact_rows": total, "rows_rewritten": rewritten, "months_rewritten": months_rewritten,
            "window_rows": window_rows, "window_months": window_months + 1}


def window_months(project: Path) -> int:
    doc = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))
    return int((doc.get("vars") or {}).get("refresh_window_months", 3))


def measure_scale(run: Run, k: int, registry: Path, project: Path, baseline_py: Path | None) -> dict:
    data = run.work / "data"
    snap, snap_next = data / f"{k}x", data / f"{k}x-next"
    print(f"bench: {k}x: writing the snapshot", flush=True)
    started = time.perf_counter()
    where = {"unit_rows": run.unit_rows, "seeds": run.root / "seeds", "sample": run.root / "data" / "sample"}
    info = scale.write_snapshot(snap, k, **where)
    info_next = scale.write_snapshot(snap_next, k, next_month=True, reuse_from=snap, **where)
    info["generate_seconds"] = round(time.perf_counter() - started, 3)
    out: dict = {"scale": k, "data": info}
    lands = run.work / "land"
    only = [scale.DATASET_ID]

    print(f"bench: {k}x: landing {info['rows']:,} rows from the snapshot", flush=True)
    out["landing_snapshot"] = median_of(run.repeat, lambda: land(
        run, registry, lands / f"snapshot-{k}x.duckdb", run.logs / f"land-snapshot-{k}x.log", snapshot=snap,
        datasets=only))
    out["landing_snapshot_proposed"] = median_of(run.repeat, lambda: land(
        run, registry, lands / f"proposed-{k}x.duckdb", run.logs / f"land-proposed-{k}x.log", snapshot=snap,
        datasets=only, settings=PROPOSED_SETTINGS))
    out["landing_snapshot_proposed"]["settings"] = dict(PROPOSED_SETTINGS)

    if k in run.emulator_scales or k in run.baseline_scales:
        with emulator(snap, run.logs / f"emulator-{k}x.log") as emu:
            if k in run.emulator_scales:
                print(f"bench: {k}x: landing through the emulator", flush=True)
                out["landing_emulator"] = median_of(run.repeat, lambda: with_emulator_cpu(emu, lambda: land(
                    run, registry, lands / f"emulator-{k}x.duckdb", run.logs / f"land-emulator-{k}x.log",
                    portal=emu.url, datasets=only)))
            if k in run.baseline_scales and baseline_py is not None:
                print(f"bench: {k}x: the naive baseline (get_all, pandas, executemany)", flush=True)
                out["baseline"] = with_emulator_cpu(emu, lambda: baseline(run, baseline_py, emu.url, k))
    if "landing_emulator" in out:
        # The next publication through the emulator: the live path re-pulls only the refresh window.
        print(f"bench: {k}x: one new month through the emulator (window refresh)", flush=True)
        with emulator(snap_next, run.logs / f"emulator-next-{k}x.log") as emu:
            out["landing_emulator_next_month"] = with_emulator_cpu(emu, lambda: land(
                run, registry, lands / f"emulator-{k}x.duckdb", run.logs / f"land-emulator-next-{k}x.log",
                portal=emu.url, datasets=only, fresh=False))
    if "landing_emulator" in out and "baseline" in out:
        ours, base = out["landing_emulator"], out["baseline"]
        from_snapshot = out["landing_snapshot"]
        out["vs_baseline"] = {
            "emulator_landing_speedup": round(ours["rows_per_second"] / base["rows_per_second"], 1),
            "snapshot_landing_speedup": round(from_snapshot["rows_per_second"] / base["rows_per_second"], 1),
            "peak_rss_ratio": round(ours["peak_rss_mb"] / base["peak_rss_mb"], 2),
        }
    for path in lands.glob(f"*-{k}x.duckdb*"):
        path.unlink()

    print(f"bench: {k}x: dbt build (full)", flush=True)
    db = run.work / "dbt" / f"{k}x.duckdb"
    present = [ds for ds in [*info["sample_datasets"], scale.DATASET_ID] if (snap / ds).is_dir()]
    land(run, registry, db, run.logs / f"land-all-{k}x.log", snapshot=snap, datasets=present)
    full = dbt(project, db, run.logs / f"dbt-build-{k}x.log", "build")
    out["dbt_build"] = {"wall_seconds": round(full["wall_seconds"], 3), **dbt_timings(project)}
    print(f"bench: {k}x: one new month arrives: load, then dbt build (incremental)", flush=True)
    landed = land(run, registry, db, run.logs / f"land-next-{k}x.log", snapshot=snap_next, fresh=False,
                  datasets=present)
    out["incremental"] = {"landing": landed, "rows_after": info_next["rows"]}
    inc = dbt(project, db, run.logs / f"dbt-incremental-{k}x.log", "build")
    timings = dbt_timings(project)
    full_marts = out["dbt_build"]["bench_table_marts"]["seconds"]
    out["incremental"].update({
        "wall_seconds": round(inc["wall_seconds"], 3),
        "ratio_to_full": round(inc["wall_seconds"] / full["wall_seconds"], 3),
        "bench_table_marts_seconds": timings["bench_table_marts"]["seconds"],
        "bench_table_marts_ratio": round(timings["bench_table_marts"]["seconds"] / max(full_marts, 1e-9), 3),
        "layers": timings["layers"],
        **touched(db, timings["invocation_id"], window_months(project)),
    })
    for path in db.parent.glob(f"{k}x.duckdb*"):
        path.unlink()
    shutil.rmtree(snap_next, ignore_errors=True)
    return out


def measure_demo(run: Run) -> dict:
    """`make demo` on a fresh warehouse file, after install (the venv exists): the commands a user runs."""
    demo = run.work / "demo"
    shutil.rmtree(demo, ignore_errors=True)
    demo.mkdir(parents=True)
    env = dict(os.environ)
    env.update({
        "CTDSS_DB": str(demo / "ct_dss.duckdb"),
        "DBT_TARGET_PATH": str(demo / "target"),
        "DBT_LOG_PATH": str(demo / "logs"),
        # The delivery step's outputs (mk/delivery.mk): never the user's published file or exports.
        "CTDSS_PUBLISHED_DB": str(demo / "published" / "ct_dss.duckdb"),
        "CTDSS_EXPORTS_DIR": str(demo / "exports"),
        "CTDSS_REPORT": str(demo / "report"),
    })
    seconds = {}
    for target in ("demo", "report"):
        log = run.logs / f"make-{target}.log"
        result = measured(["make", "--no-print-directory", target], log, env=env, cwd=run.root)
        if result["returncode"] != 0:
            raise BenchError(f"`make {target}` failed (exit {result['returncode']}); see {log}.")
        seconds[target] = round(result["wall_seconds"], 3)
    return {"wall_seconds": seconds["demo"], "report_seconds": seconds["report"]}


# -- summary ------------------------------------------------------------------------------------------------


def growth(scales: list[dict], key: tuple[str, ...]) -> list[dict]:
    out = []
    by_scale = {s["scale"]: s for s in scales}
    ks = sorted(by_scale)
    for a, b in zip(ks, ks[1:], strict=False):
        va, vb = _dig(by_scale[a], key), _dig(by_scale[b], key)
        if va and vb:
            out.append({"from": a, "to": b, "rows_ratio": round(b / a, 1), "time_ratio": round(vb / va, 2)})
    return out


def _dig(value, key: tuple[str, ...]):
    for k in key:
        if not isinstance(value, dict) or k not in value:
            return None
        value = value[k]
    return value


def targets(result: dict) -> list[dict]:
    """Each target of the benchmark, with the figure it is judged on and whether it is met."""
    scales = result["scales"]
    top = max(scales, key=lambda s: s["scale"])
    rows_top = top["data"]["rows"]
    checks = []

    def add(name: str, goal: str, measured: str, met: bool) -> None:
        checks.append({"target": name, "goal": goal, "measured": measured, "met": bool(met)})

    snap = top["landing_snapshot"]
    add("Landing from a snapshot", f">= {TARGETS['landing_rows_per_second']:,} rows/s",
        f"{snap['rows_per_second']:,} rows/s at {rows_top:,} rows",
        snap["rows_per_second"] >= TARGETS["landing_rows_per_second"])
    rss = ", ".join(f"{s['landing_snapshot']['peak_rss_mb']:,.0f} MB at {s['scale']}x" for s in scales)
    proposed = ", ".join(f"{s['landing_snapshot_proposed']['peak_rss_mb']:,.0f} MB" for s in scales)
    add("Peak RSS of the loader, flat with size",
        f"< {TARGETS['landing_peak_rss_mb']} MB at the largest scale",
        f"as is: {rss}; with the proposed settings: {proposed}",
        snap["peak_rss_mb"] < TARGETS["landing_peak_rss_mb"])
    compared = [s for s in scales if "vs_baseline" in s]
    if compared:
        add("Landing through the emulator vs the naive baseline", f">= {TARGETS['emulator_vs_baseline']}x",
            ", ".join(f"{s['vs_baseline']['emulator_landing_speedup']}x at {s['scale']}x" for s in compared),
            min(s["vs_baseline"]["emulator_landing_speedup"] for s in compared)
            >= TARGETS["emulator_vs_baseline"])
    marts = top["dbt_build"]["bench_table_marts"]["seconds"]
    add("dbt build of the marts on the largest table", f"< {TARGETS['marts_seconds']} s",
        f"{marts:.1f} s (node time of the benchmark's marts and their tests, {rows_top:,} rows)",
        marts < TARGETS["marts_seconds"])
    whole = top["dbt_build"]["wall_seconds"]
    add("The whole `dbt build` with the largest table", f"< {TARGETS['marts_seconds']} s",
        f"{whole:.1f} s wall (every project node, the benchmark's models, tests, dbt's start-up)",
        whole < TARGETS["marts_seconds"])
    own = [(st["time_ratio"], label, st) for label, steps in result["growth"].items() for st in steps
           if "emulator" not in label]
    if own:
        ratio, label, step = max(own, key=lambda w: w[0])
        add("Linear growth: loader and dbt", f"10x the rows costs <= {TARGETS['growth_per_10x']}x the time",
            f"worst step: {label}, {step['from']}x -> {step['to']}x, {ratio}x",
            ratio <= TARGETS["growth_per_10x"])
    served = result["growth"].get("landing through the emulator") or []
    if served:
        step = max(served, key=lambda st: st["time_ratio"])
        by_scale = {s["scale"]: s for s in scales}
        cpu = [f"{by_scale[k]['landing_emulator']['emulator_cpu_seconds']:,.1f} s of "
               f"{by_scale[k]['landing_emulator']['seconds']:,.1f} s at {k}x"
               for k in (step["from"], step["to"])]
        add("Linear growth: through the emulator",
            f"10x the rows costs <= {TARGETS['growth_per_10x']}x the time",
            f"{step['from']}x -> {step['to']}x, {step['time_ratio']}x; the emulator's own CPU time: "
            + ", ".join(cpu), step["time_ratio"] <= TARGETS["growth_per_10x"])
    inc = top["incremental"]
    goal = f"<= {TARGETS['incremental_ratio']:.0%} of a full build"
    add("Incremental new month: the largest table's marts", goal,
        f"{inc['bench_table_marts_ratio']:.0%} ({inc['bench_table_marts_seconds']:.1f} s against "
        f"{top['dbt_build']['bench_table_marts']['seconds']:.1f} s); rewrote {inc['rows_rewritten']:,} of "
        f"{inc['fact_rows']:,} fact rows, the refresh window",
        inc["bench_table_marts_ratio"] <= TARGETS["incremental_ratio"])
    add("Incremental new month: the whole `dbt build`", goal,
        f"{inc['ratio_to_full']:.0%} ({inc['wall_seconds']:.1f} s against "
        f"{top['dbt_build']['wall_seconds']:.1f} s wall)",
        inc["ratio_to_full"] <= TARGETS["incremental_ratio"])
    if result.get("demo"):
        demo = result["demo"]["wall_seconds"]
        add("`make demo` after install", f"< {TARGETS['demo_seconds']} s", f"{demo:.1f} s",
            demo < TARGETS["demo_seconds"])
        report = result["demo"]["report_seconds"]
        add("`make report` on the sample (every page, CSV and asset)", f"< {TARGETS['report_seconds']} s",
            f"{report:.1f} s", report < TARGETS["report_seconds"])
    return checks


NOTES = {
    "landing": """
        Landing from a snapshot misses 1M rows/s by {short:.0%} at {rows}. The loader reads every page twice
        (a pass over the JSON objects to check that each row's fields are ones the metadata lists, then the
        typed read) and writes every row twice (into `raw.__incoming_<kind>`, then into the new `raw.<kind>`
        that a create-or-replace builds from the kind's other rows and the incoming ones). Building the new
        table in one statement and renaming it into place would write each row once. The machine was shared
        with other work during the run (see the load averages above), which costs some of the margin.""",
    "rss": """
        The loader's peak RSS grows with the data ({rss:,.0f} MB at {rows}) because its DuckDB connection runs
        with DuckDB's defaults: a memory limit of 80% of RAM, and insertion order preserved, which makes
        DuckDB buffer more of what it reads in parallel. No rows are held in Python: they go from the files to
        DuckDB. With `{settings}` on the loader's connection (the "proposed" columns) the peak is
        {proposed_rss:,.0f} MB at the same size, at {proposed_rate:,} rows/s: {proposal_verdict}.""",
    "incremental": """
        An incremental `dbt build` after a new month takes {ratio:.0%} of a full build at {rows}, against a
        target of 25%, while the scaled table's marts take {marts_ratio:.0%} of theirs: {fixed:.1f} s of the
        run is the same whatever the data's size (dbt's start-up and parse, the seeds, the project's views and
        full-refresh tables on the sample, and their tests). The ratio falls as the data grows (see the dbt
        table); what it would take is to build only what a new month changes, for example
        `dbt source freshness`, then `dbt build --select source_status:fresher+ --state <last artifacts>`.""",
    "emulator": """
        Landing through the emulator grows faster than the rows because the emulator is a test server written
        in Python; its own CPU time is given in the target's row.""",
    "demo": """
        `make demo` took longer than its target; its log is `make-demo.log` in the benchmark's logs.""",
    "not_at_largest": """
        The naive baseline and the emulator do not run at the largest scale: the baseline inserts a few
        thousand rows per second (about an hour per 10M rows), and the emulator holds every row as a Python
        object. Nothing is extrapolated.""",
}


def notes(result: dict) -> list[str]:
    """What the figures say, and for each missed target by how much, why, and what it would take."""
    scales = result["scales"]
    top = max(scales, key=lambda s: s["scale"])
    missed = {t["target"] for t in result["targets"] if not t["met"]}
    snap, prop, inc = top["landing_snapshot"], top["landing_snapshot_proposed"], top["incremental"]
    values = {
        "rows": f"{top['data']['rows']:,} rows",
        "short": 1 - snap["rows_per_second"] / TARGETS["landing_rows_per_second"],
        "rss": snap["peak_rss_mb"],
        "settings": ", ".join(f"{k} = {v}" for k, v in PROPOSED_SETTINGS.items()),
        "proposed_rss": prop["peak_rss_mb"],
        "proposed_rate": prop["rows_per_second"],
        "proposal_verdict": (
            "that change to `ctdss.warehouse.connect` would meet the target"
            if prop["peak_rss_mb"] < TARGETS["landing_peak_rss_mb"]
            else "that change to `ctdss.warehouse.connect` lowers it, but not under the target"
        ),
        "ratio": inc["ratio_to_full"],
        "marts_ratio": inc["bench_table_marts_ratio"],
        "fixed": inc["wall_seconds"] - inc["bench_table_marts_seconds"],
    }
    chosen = [
        ("landing", "Landing from a snapshot" in missed),
        ("rss", "Peak RSS of the loader, flat with size" in missed),
        ("incremental", "Incremental new month: the whole `dbt build`" in missed),
        ("emulator", "Linear growth: through the emulator" in missed),
        ("demo", "`make demo` after install" in missed),
        ("not_at_largest", top["scale"] > max([s["scale"] for s in scales if "baseline" in s] or [0])),
    ]
    return [" ".join(NOTES[name].format(**values).split()) for name, wanted in chosen if wanted]


def machine() -> dict:
    info = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": _mem_gb(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    import duckdb

    info["duckdb"] = duckdb.__version__
    with contextlib.suppress(Exception):
        from importlib.metadata import version

        info["dbt_core"] = version("dbt-core")
        info["dbt_duckdb"] = version("dbt-duckdb")
    return info


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_gb() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


# -- the report ---------------------------------------------------------------------------------------------


def markdown(result: dict) -> str:
    return report.render(result)


def run_all(run: Run, command: str) -> dict:
    run.work.mkdir(parents=True, exist_ok=True)
    registry = write_registry(run.work / "registry.yml", run.root)
    project = copy_project(run.work / "project", run.root)
    print("bench: dbt parse of the benchmark project", flush=True)
    dbt(project, run.work / "dbt" / "parse.duckdb", run.logs / "dbt-parse.log", "parse")
    baseline_py = baseline_python(run.baseline_venv) if run.baseline_scales else None
    result: dict = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command,
        "machine": machine(),
        "unit_rows": run.unit_rows,
        "scales": [],
    }
    clock = time.perf_counter()
    for k in run.scales:
        result["scales"].append(measure_scale(run, k, registry, project, baseline_py))
        shutil.rmtree(run.work / "data" / f"{k}x", ignore_errors=True)
    if run.demo:
        print("bench: make demo and make report (fresh warehouse file)", flush=True)
        result["demo"] = measure_demo(run)
    result["growth"] = {
        "landing from a snapshot": growth(result["scales"], ("landing_snapshot", "seconds")),
        "landing through the emulator": growth(result["scales"], ("landing_emulator", "seconds")),
        "benchmark marts (dbt node time)": growth(result["scales"],
                                                  ("dbt_build", "bench_table_marts", "seconds")),
        "whole dbt build (wall)": growth(result["scales"], ("dbt_build", "wall_seconds")),
    }
    result["targets"] = targets(result)
    result["notes"] = notes(result)
    result["figures"] = report.figures(result)
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["harness_seconds"] = round(time.perf_counter() - clock, 1)
    return result


def _scales(text: str) -> list[int]:
    if text in ("", "none"):
        return []
    return sorted({int(x) for x in text.split(",")})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="comma-separated scales (default 1,10,100)")
    parser.add_argument("--unit-rows", type=int, default=scale.UNIT_ROWS, help="rows of the table at 1x")
    parser.add_argument("--emulator-scales", default="1,10", help="scales landed through the emulator")
    parser.add_argument("--baseline-scales", default="1,10", help="scales the naive baseline runs at")
    parser.add_argument("--no-demo", action="store_true", help="do not time `make demo`")
    parser.add_argument("--repeat", type=int, default=3, help="landing runs per figure; the median is kept")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="generated data and logs")
    parser.add_argument("--baseline-venv", type=Path, default=DEFAULT_WORK / "baseline-venv",
                        help="the naive baseline's venv (made on first use)")
    parser.add_argument("--json", type=Path, help="results file (default docs/benchmarks.json)")
    parser.add_argument("--markdown", type=Path, help="results page (default docs/benchmarks.md)")
    parser.add_argument("--project-root", type=Path, default=PROJECT_ROOT,
                        help="the project whose registry, seeds, sample and dbt files are measured")
    parser.add_argument("--smoke", action="store_true",
                        help="1x of a 30,000-row unit, every step once: checks the harness, not the targets")
    args = parser.parse_args(argv)
    if args.smoke:
        args.scales = args.emulator_scales = args.baseline_scales = "1"
        args.repeat = 1
        args.unit_rows = min(args.unit_rows, 30_000)
    docs = PROJECT_ROOT / "docs"
    json_path = args.json or (args.work / "benchmarks.json" if args.smoke else docs / "benchmarks.json")
    md_path = args.markdown or (args.work / "benchmarks.md" if args.smoke else docs / "benchmarks.md")
    run = Run(
        work=args.work.resolve(),
        scales=_scales(args.scales),
        unit_rows=args.unit_rows,
        emulator_scales=_scales(args.emulator_scales),
        baseline_scales=_scales(args.baseline_scales),
        demo=not args.no_demo,
        repeat=args.repeat,
        baseline_venv=args.baseline_venv.resolve(),
        root=args.project_root.resolve(),
    )
    if not run.scales:
        parser.error("--scales needs at least one scale")
    given = sys.argv[1:] if argv is None else argv
    command = "make bench" if not given else "scripts/bench/run.py " + " ".join(given)
    try:
        result = run_all(run, command)
    except (BenchError, scale.ScaleError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    result["smoke"] = args.smoke
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown(result), encoding="utf-8")
    print(markdown(result).split("## Results", 1)[-1].split("\n## ", 1)[0].strip())
    print(f"bench: wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
