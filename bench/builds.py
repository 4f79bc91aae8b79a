"""The warehouse as a user builds it: `make update` on an empty warehouse, then `make update` again after the next
publication, each timed as one command (land, dbt, publish), with dbt's node time per layer.

Both run the project's own Makefile targets with the benchmark's paths: the warehouse, the build state, the
published file and the exports under the benchmark's folder, and the registry with the scaled dataset added
(`CTDSS_REGISTRY`). The build lands from the snapshot (`LOAD_ARGS=--snapshot DIR`): the emulator holds every row
as a Python object, which 10M rows would not fit. The refresh lands as `make update` does from the portal,
through the local Socrata emulator (`LOAD_ARGS=--portal URL`): unchanged datasets are skipped by their
rowsUpdatedAt, and the monthly ones re-pull their window (see `scale.write_window` for what the emulator holds).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import yaml
from measure import BenchError, emulator, measured

LAYERS = ("seeds", "staging", "intermediate", "qa", "marts", "reporting", "snapshots", "other")
RESOURCE_TYPES = ("model", "seed", "snapshot", "test", "unit_test")
REGISTRY = Path("models") / "staging" / "socrata" / "_socrata__sources.yml"
# The steps of `make update` (the Makefile's order), by the verb of the command make echoes
# as each starts.
STEPS = (("land", "load"), ("dbt", "build"), ("lineage", "lineage"), ("publish", "publish"))


def write_registry(path: Path, root: Path, kind: str, dataset_id: str, fields: dict[str, str],
                   monthly: bool) -> Path:
    """The project's registry with the synthetic scaled dataset added to its kind: the loader lands both."""
    doc = yaml.safe_load((root / REGISTRY).read_text(encoding="utf-8"))
    source = next(s for s in doc["sources"] if s.get("name") == "socrata")
    table = next(t for t in source["tables"] if t["name"] == kind)
    datasets = table["config"]["meta"]["datasets"]
    datasets[:] = [d for d in datasets if d.get("id") != dataset_id]
    datasets.append({
        "id": dataset_id,
        "title": f"{kind} (synthetic, benchmark)",
        "grain": "one row per town, item and period",
        "fields": dict(fields),
        "refresh": {"mode": "window", "window_months": 3} if monthly else {"mode": "full"},
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def environment(work: Path, registry: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "CTDSS_DB": str(work / "ct_dss.duckdb"),
        "CTDSS_STATE_DIR": str(work / "state"),
        "CTDSS_ANALYSTS_DB": str(work / "analysts" / "ct_dss_analysts.duckdb"),
        "CTDSS_ANALYSTS_EXPORTS_DIR": str(work / "analysts" / "exports"),
        "CTDSS_PUBLIC_DB": str(work / "public" / "ct_dss_public.duckdb"),
        "CTDSS_PUBLIC_EXPORTS_DIR": str(work / "public" / "exports"),
        "CTDSS_REPORT": str(work / "public" / "report"),
        "CTDSS_REGISTRY": str(registry),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    })
    return env


def make(target: str, load_args: str, env: dict[str, str], root: Path, log: Path) -> dict:
    """Run one Makefile target with the loader's source (`--snapshot DIR` or `--portal URL`); its wall time,
    and the seconds of each of its steps."""
    result = measured(["make", "--no-print-directory", target, f"LOAD_ARGS={load_args}"], log, env=env, cwd=root)
    if result["returncode"] != 0:
        raise BenchError(f"`make {target}` failed (exit {result['returncode']}); see {log}.")
    return {"wall_seconds": round(result["wall_seconds"], 3),
            "steps": step_seconds(result["line_seconds"], result["wall_seconds"])}


def step_seconds(lines: list[tuple[float, str]], total: float) -> dict[str, float]:
    """Each step's seconds, from when make echoed its command (`.venv/bin/ctdss load ...`) to the next's."""
    verbs = dict(reversed([(_ctdss_verb(line), t) for t, line in lines]))  # the first time each verb was echoed
    starts = sorted((verbs[verb], name) for name, verb in STEPS if verb in verbs)
    ends = [t for t, _ in starts[1:]] + [total]
    return {name: round(end - at, 3) for (at, name), end in zip(starts, ends, strict=True)}


def _ctdss_verb(line: str) -> str | None:
    words = line.split()
    return words[1] if len(words) > 1 and words[0].endswith("/ctdss") else None


def build_and_refresh(work: Path, snapshot: Path, portal: Path, registry: Path, root: Path,
                      logs: Path, label: str) -> dict:
    """`make update` on an empty warehouse from the snapshot, then `make update` again through the emulator serving
    the next publication (`portal`, as `scale.write_window` writes it)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = environment(work, registry)
    full = make("update", f"--snapshot {snapshot}", env, root, logs / f"make-build-{label}.log")
    full_dbt = dbt_timings(work / "target")
    with emulator(portal, logs / f"emulator-refresh-{label}.log") as emu:
        refresh = make("update", f"--portal {emu.url}", env, root, logs / f"make-refresh-{label}.log")
    refresh_dbt = dbt_timings(work / "target")
    published = (work / "analysts" / "ct_dss_analysts.duckdb").stat().st_size
    shutil.rmtree(work, ignore_errors=True)
    return {
        "build": {**full, "dbt": full_dbt, "published_bytes": published},
        "refresh": {**refresh, "dbt": refresh_dbt,
                    "ratio_to_build": round(refresh["wall_seconds"] / full["wall_seconds"], 3)},
    }


def _layer_of(path: str) -> str:
    parts = Path(path).parts
    if not parts:
        return "other"
    if parts[0] in ("seeds", "snapshots"):
        return parts[0]
    if parts[0] == "models" and len(parts) > 1:
        if parts[1] == "marts":
            return "reporting" if len(parts) > 2 and parts[2] == "reporting" else "marts"
        return parts[1] if parts[1] in LAYERS else "other"
    return "other"


def dbt_timings(target: Path) -> dict:
    """Node time per layer of the last dbt run (a test counts with the layer of the latest model it tests)."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    order = {name: i for i, name in enumerate(LAYERS)}

    def layer(uid: str) -> str:
        node = nodes.get(uid) or {}
        if node.get("resource_type") in ("test", "unit_test"):
            parents = [node.get("attached_node"), *(node.get("depends_on") or {}).get("nodes", [])]
            found = [layer(p) for p in parents if p and p in nodes and p != uid]
            return max([x for x in found if x != "other"] or ["other"], key=lambda x: order[x])
        return _layer_of(node.get("original_file_path", ""))

    layers = {name: {"seconds": 0.0, "models": 0, "tests": 0} for name in LAYERS}
    failed, models = [], []
    for r in results["results"]:
        node = nodes.get(r["unique_id"]) or {}
        kind = node.get("resource_type")
        if kind not in RESOURCE_TYPES:
            continue
        entry = layers[layer(r["unique_id"])]
        entry["seconds"] = round(entry["seconds"] + (r.get("execution_time") or 0.0), 3)
        entry["tests" if kind in ("test", "unit_test") else "models"] += 1
        if kind in ("model", "snapshot"):
            models.append(node.get("name"))
        if r.get("status") not in ("success", "pass", "warn"):
            failed.append(r["unique_id"])
    if failed:
        raise BenchError(f"dbt nodes failed: {', '.join(failed[:5])}; see the logs under {target.parent}.")
    return {
        "layers": {k: v for k, v in layers.items() if v["models"] or v["tests"]},
        "elapsed_seconds": round(results.get("elapsed_time") or 0.0, 3),
        "nodes": len(results["results"]),
        "models_built": sorted(models),
    }
