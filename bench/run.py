"""The benchmark harness behind `make bench`: every figure measured in one run, on the same data.

For each scale (1x, 10x, 100x of one shipped kind's data; see scale.py) it measures:
  - landing from a snapshot with the project's loader (`ctdss.load.landing.load`, its own process): rows/s and
    peak RSS, next to DuckDB's own `read_json` of the same files into a table;
  - landing through the local Socrata emulator, at the emulator scales: the project's loader (its live path),
    dlt's `rest_api` source into DuckDB, and the naive baseline (sodapy + pandas + executemany), each in its
    own process (dlt and the baseline in venvs of their own), with whether every row arrived exactly once;
  - `make update` on an empty warehouse (land, the project's dbt models, publish), with dbt's node time per
    layer; then `make update` again after the next publication, and its ratio to the build;
and once: `make demo` end to end on a fresh warehouse file, after install.

Results go to a JSON file and a Markdown page (docs/benchmarks.json and docs/benchmarks.md for a full run).

    .venv/bin/python bench/run.py                 # 1x, 10x, 100x; writes docs/benchmarks.*
    .venv/bin/python bench/run.py --smoke         # 1x of a small unit: checks the harness end to end
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import builds
import landings
import report
import scale
import targets
from machine import machine
from measure import BenchError, measured
from tools import tool_python

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WORK = PROJECT_ROOT / "warehouse" / "bench"
TOOLS = ("baseline", "dlt")


@dataclass
class Run:
    work: Path
    scales: list[int]
    unit_rows: int
    emulator_scales: list[int]
    tool_scales: dict[str, list[int]]
    venvs: Path
    demo: bool
    repeat: int
    root: Path = PROJECT_ROOT
    logs: Path = field(init=False)

    def __post_init__(self) -> None:
        self.logs = self.work / "logs"


def _snapshot(run: Run, k: int) -> tuple[Path, dict]:
    snap = run.work / "data" / f"{k}x"
    started = time.perf_counter()
    info = scale.write_snapshot(snap, k, unit_rows=run.unit_rows, root=run.root)
    info["generate_seconds"] = round(time.perf_counter() - started, 3)
    return snap, info


def measure_scale(run: Run, k: int, registry: Path) -> dict:
    """Landing from the snapshot (the loader, and DuckDB's read_json), then make update on an empty warehouse
    and again after the next publication."""
    data = run.work / "data"
    print(f"bench: {k}x: writing the snapshots", flush=True)
    snap, info = _snapshot(run, k)
    snap_next, portal = data / f"{k}x-next", data / f"{k}x-portal"
    scale.write_snapshot(snap_next, k, unit_rows=run.unit_rows, next_month=True, reuse_from=snap, root=run.root)
    info["refresh_window"] = scale.write_window(portal, snap_next, k, unit_rows=run.unit_rows, root=run.root)
    out: dict = {"scale": k, "data": info}
    lands = landings.Landings(run.work / "land", run.logs, registry, run.repeat)
    print(f"bench: {k}x: landing {info['rows']:,} rows from the snapshot, and DuckDB's read_json", flush=True)
    out["landing_snapshot"] = lands.snapshot(snap, k)
    out["read_json"] = lands.read_json(snap, k)
    print(f"bench: {k}x: make update on an empty warehouse, then again after the next publication",
          flush=True)
    out.update(builds.build_and_refresh(run.work / "warehouse" / f"{k}x", snap, portal, registry, run.root,
                                        run.logs, f"{k}x"))
    for path in (snap, snap_next, portal):
        shutil.rmtree(path, ignore_errors=True)
    return out


def measure_emulator(run: Run, k: int, registry: Path, pythons: dict[str, Path], out: dict) -> None:
    """The loader, dlt and the naive baseline through the emulator, on the scale's snapshot written again."""
    tools = {name: pythons[name] for name in TOOLS if k in run.tool_scales[name] and name in pythons}
    if k not in run.emulator_scales and not tools:
        return
    snap, info = _snapshot(run, k)
    lands = landings.Landings(run.work / "land", run.logs, registry, run.repeat)
    out.update(lands.through_emulator(snap, k, ours=k in run.emulator_scales, tools=tools, expected=info["rows"]))
    shutil.rmtree(snap, ignore_errors=True)


def measure_demo(run: Run) -> dict:
    """`make demo` on a fresh clone of the project (its committed files): once with the install (`make setup`
    inside it, from the package index), then again on a fresh warehouse file after install; then `make report`
    (the report site from the published file)."""
    clone = run.work / "clone"
    shutil.rmtree(clone, ignore_errors=True)
    cloned = measured(["git", "clone", "--quiet", str(run.root), str(clone)], run.logs / "git-clone.log")
    if cloned["returncode"] != 0:
        raise BenchError(f"`git clone` of {run.root} failed; see {run.logs / 'git-clone.log'}.")
    out = {}
    env = builds.environment(clone / "warehouse", clone / builds.REGISTRY)
    for step, target in (("with_install", "demo"), ("after_install", "demo"), ("report", "report")):
        if target == "demo":
            shutil.rmtree(clone / "warehouse", ignore_errors=True)
        log = run.logs / f"make-{target}-{step}.log"
        result = measured(["make", "--no-print-directory", target], log, env=env, cwd=clone)
        if result["returncode"] != 0:
            raise BenchError(f"`make {target}` in a fresh clone failed (exit {result['returncode']}); see {log}.")
        out[f"{step}_seconds"] = round(result["wall_seconds"], 3)
    shutil.rmtree(clone, ignore_errors=True)
    out["wall_seconds"] = out["after_install_seconds"]
    return out


def growth(scales: list[dict], key: tuple[str, ...]) -> list[dict]:
    by_scale = {s["scale"]: s for s in scales}
    ks = sorted(by_scale)
    out = []
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


def run_all(run: Run, command: str) -> dict:
    run.work.mkdir(parents=True, exist_ok=True)
    shape = scale.shape(run.root)
    registry = builds.write_registry(run.work / "registry.yml", run.root, shape.kind, scale.DATASET_ID,
                                        shape.fields, shape.monthly)
    pythons = {name: tool_python(name, run.venvs / f"{name}-venv") for name in TOOLS if run.tool_scales[name]}
    result: dict = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command,
        "machine": machine(),
        "unit_rows": run.unit_rows,
        "scaled_kind": shape.kind,
        "scales": [],
    }
    clock = time.perf_counter()
    partial = run.work / "partial.json"  # the figures so far, should a later step fail or be stopped
    # The builds at every scale and make demo first, the landings through the emulator last: the naive
    # baseline at 10x is the slowest step, and a stopped run then still holds every build figure.
    for k in run.scales:
        result["scales"].append(measure_scale(run, k, registry))
        partial.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if run.demo:
        print("bench: make demo in a fresh clone", flush=True)
        result["demo"] = measure_demo(run)
        partial.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for figures in result["scales"]:
        measure_emulator(run, figures["scale"], registry, pythons, figures)
        partial.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    result["growth"] = {
        "landing from a snapshot": growth(result["scales"], ("landing_snapshot", "seconds")),
        "dbt build (wall)": growth(result["scales"], ("build", "dbt", "elapsed_seconds")),
        "the build (land, dbt, publish)": growth(result["scales"], ("build", "wall_seconds")),
    }
    result["targets"] = targets.evaluate(result)
    result["notes"] = targets.notes(result)
    result["figures"] = report.figures(result)
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["harness_seconds"] = round(time.perf_counter() - clock, 1)
    return result


def _scales(text: str) -> list[int]:
    if text in ("", "none"):
        return []
    return sorted({int(x) for x in text.split(",")})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="comma-separated scales (default 1,10,100)")
    parser.add_argument("--unit-rows", type=int, default=scale.UNIT_ROWS, help="rows of the table at 1x")
    parser.add_argument("--emulator-scales", default="1,10", help="scales the loader lands through the emulator")
    parser.add_argument("--baseline-scales", default="1,10", help="scales the naive baseline runs at")
    parser.add_argument("--dlt-scales", default="1,10", help="scales dlt runs at")
    parser.add_argument("--no-demo", action="store_true", help="do not time `make demo`")
    parser.add_argument("--repeat", type=int, default=3, help="landing runs per figure; the median is kept")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="generated data, warehouses and logs")
    parser.add_argument("--venvs", type=Path, default=DEFAULT_WORK,
                        help="where dlt's and the baseline's venvs are made, once (shared by every --work)")
    parser.add_argument("--json", type=Path, help="results file (default docs/benchmarks.json)")
    parser.add_argument("--markdown", type=Path, help="results page (default docs/benchmarks.md)")
    parser.add_argument("--project-root", type=Path, default=PROJECT_ROOT,
                        help="the project whose registry, seeds, sample and dbt files are measured")
    parser.add_argument("--conditions", default="", help="a sentence on the machine's conditions, for the page")
    parser.add_argument("--smoke", action="store_true",
                        help="1x of a 5,000-row unit, every step once: checks the harness, not the targets")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.smoke:
        args.scales = args.emulator_scales = args.baseline_scales = args.dlt_scales = "1"
        args.repeat = 1
        args.unit_rows = min(args.unit_rows, 5_000)
    docs = PROJECT_ROOT / "docs"
    json_path = args.json or (args.work / "benchmarks.json" if args.smoke else docs / "benchmarks.json")
    md_path = args.markdown or (args.work / "benchmarks.md" if args.smoke else docs / "benchmarks.md")
    run = Run(
        work=args.work.resolve(),
        scales=_scales(args.scales),
        unit_rows=args.unit_rows,
        emulator_scales=_scales(args.emulator_scales),
        tool_scales={"baseline": _scales(args.baseline_scales), "dlt": _scales(args.dlt_scales)},
        venvs=args.venvs.resolve(),
        demo=not args.no_demo,
        repeat=args.repeat,
        root=args.project_root.resolve(),
    )
    if not run.scales:
        _parser().error("--scales needs at least one scale")
    given = sys.argv[1:] if argv is None else argv
    command = "make bench" if not given else "bench/run.py " + " ".join(given)
    try:
        result = run_all(run, command)
    except (BenchError, scale.ScaleError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    result["smoke"] = args.smoke
    result["conditions"] = args.conditions
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(report.render(result), encoding="utf-8")
    print(report.render(result).split("## Results", 1)[-1].split("\n## ", 1)[0].strip())
    print(f"bench: wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
