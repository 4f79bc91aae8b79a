"""The benchmark's targets, keyed by id: each with its goal, the figure it is judged on, and whether it is met;
and, for each target missed, a note on why (keyed by the same id).

The ids are stable: the page's titles may be reworded without breaking anything that reads the JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    id: str
    title: str
    goal: str
    limit: float


TARGETS = {t.id: t for t in (
    Target("landing_rows_per_second", "Landing from a snapshot", ">= {limit:,.0f} rows/s at the largest scale",
           1_000_000),
    Target("landing_vs_read_json", "Landing at DuckDB's own speed",
           "<= {limit:g}x the time of DuckDB's read_json of the same files", 1.15),
    Target("landing_peak_rss_mb", "Peak RSS of the loader, flat with size", "< {limit:,.0f} MB at the largest scale",
           400),
    Target("emulator_vs_baseline", "Through the emulator: the loader vs the naive baseline",
           ">= {limit:g}x the baseline's rows/s", 10),
    Target("dlt_speedup", "Through the emulator: the loader vs dlt, at 10x", ">= {limit:g}x dlt's rows/s", 20),
    Target("dlt_peak_rss", "Through the emulator: peak memory vs dlt, at 10x", "lower than dlt's", 1),
    Target("marts_seconds", "dbt: the marts and reports on the largest table",
           "< {limit:g} s of node time (models and their tests)", 60),
    Target("dbt_build_seconds", "dbt: the whole build on the largest table", "< {limit:g} s wall", 60),
    Target("growth_per_10x", "Linear growth", "10x the rows costs <= {limit:g}x the time", 12),
    Target("refresh_ratio", "`make update` after a new month, at the largest scale",
           "<= {limit:.0%} of the build (land, dbt, publish)", 0.20),
    Target("demo_seconds", "`make demo` on a fresh clone, after install", "< {limit:g} s", 30),
    Target("report_seconds", "`make report` on the sample (every page, CSV and asset)", "< {limit:g} s", 10),
)}


def _check(id_: str, measured: str, met: bool) -> dict:
    t = TARGETS[id_]
    return {"id": id_, "target": t.title, "goal": t.goal.format(limit=t.limit), "measured": measured,
            "met": bool(met)}


def _landing(top: dict, rows: str) -> list[dict]:
    snap, floor = top["landing_snapshot"], top["read_json"]
    ratio = snap["seconds"] / floor["seconds"]
    return [
        _check("landing_rows_per_second", f"{snap['rows_per_second']:,} rows/s at {rows}",
               snap["rows_per_second"] >= TARGETS["landing_rows_per_second"].limit),
        _check("landing_vs_read_json", f"{ratio:.2f}x ({snap['seconds']:.2f} s against {floor['seconds']:.2f} s)",
               ratio <= TARGETS["landing_vs_read_json"].limit),
        _check("landing_peak_rss_mb", f"{snap['peak_rss_mb']:,.0f} MB at {rows}",
               snap["peak_rss_mb"] < TARGETS["landing_peak_rss_mb"].limit),
    ]


def _through_emulator(scales: list[dict]) -> list[dict]:
    out = []
    compared = [s for s in scales if "landing_emulator" in s and "baseline" in s]
    if compared:
        ratios = {s["scale"]: s["landing_emulator"]["rows_per_second"] / s["baseline"]["rows_per_second"]
                  for s in compared}
        out.append(_check("emulator_vs_baseline", ", ".join(f"{r:,.1f}x at {k}x" for k, r in ratios.items()),
                          min(ratios.values()) >= TARGETS["emulator_vs_baseline"].limit))
    at10 = next((s for s in scales if s["scale"] == 10 and "landing_emulator" in s and "dlt" in s), None)
    if at10:
        ours, dlt = at10["landing_emulator"], at10["dlt"]
        speedup = ours["rows_per_second"] / dlt["rows_per_second"]
        out.append(_check("dlt_speedup", f"{speedup:,.1f}x ({ours['rows_per_second']:,} against "
                          f"{dlt['rows_per_second']:,} rows/s)", speedup >= TARGETS["dlt_speedup"].limit))
        out.append(_check("dlt_peak_rss", f"{ours['peak_rss_mb']:,.0f} MB against {dlt['peak_rss_mb']:,.0f} MB",
                          ours["peak_rss_mb"] < dlt["peak_rss_mb"]))
    return out


def _dbt(top: dict, rows: str) -> list[dict]:
    layers = top["build"]["dbt"]["layers"]
    marts = sum(layers.get(x, {}).get("seconds", 0.0) for x in ("marts", "reporting"))
    wall = top["build"]["dbt"]["elapsed_seconds"]
    return [
        _check("marts_seconds", f"{marts:,.1f} s at {rows}", marts < TARGETS["marts_seconds"].limit),
        _check("dbt_build_seconds", f"{wall:,.1f} s at {rows}", wall < TARGETS["dbt_build_seconds"].limit),
    ]


def evaluate(result: dict) -> list[dict]:
    """Each target, with the figure it is judged on and whether it is met."""
    scales = result["scales"]
    top = max(scales, key=lambda s: s["scale"])
    rows = f"{top['data']['rows']:,} rows"
    checks = [*_landing(top, rows), *_through_emulator(scales), *_dbt(top, rows)]
    steps = [(st["time_ratio"], label, st) for label, sts in result["growth"].items() for st in sts]
    if steps:
        ratio, label, step = max(steps, key=lambda w: w[0])
        checks.append(_check("growth_per_10x", f"worst step: {label}, {step['from']}x -> {step['to']}x, {ratio}x",
                             ratio <= TARGETS["growth_per_10x"].limit))
    refresh = top["refresh"]
    checks.append(_check("refresh_ratio", f"{refresh['ratio_to_build']:.0%} ({refresh['wall_seconds']:,.1f} s "
                         f"against {top['build']['wall_seconds']:,.1f} s at {rows})",
                         refresh["ratio_to_build"] <= TARGETS["refresh_ratio"].limit))
    if result.get("demo"):
        demo = result["demo"]["wall_seconds"]
        checks.append(_check("demo_seconds", f"{demo:,.1f} s", demo < TARGETS["demo_seconds"].limit))
        report = result["demo"]["report_seconds"]
        checks.append(_check("report_seconds", f"{report:,.1f} s", report < TARGETS["report_seconds"].limit))
    return checks


def _slowest(top: dict, layer_names: tuple[str, ...]) -> str:
    layers = top["build"]["dbt"]["layers"]
    parts = [f"{name} {layers[name]['seconds']:,.1f} s" for name in layer_names if name in layers]
    return ", ".join(parts)


def _steps(run: dict) -> str:
    steps = run.get("steps") or {}
    return ", ".join(f"{name} {seconds:,.1f} s" for name, seconds in steps.items()) or "no split"


def _refresh_layers(top: dict) -> str:
    layers = top["refresh"]["dbt"]["layers"]
    return ", ".join(f"{name} {entry['seconds']:,.1f} s" for name, entry in layers.items())


def _landing_overhead(top: dict) -> str:
    ours, floor = top["landing_snapshot"]["seconds"], top["read_json"]["seconds"]
    fields = top["read_json"].get("field_pass_seconds")
    measured = (f" On its own, that pass (DuckDB's json_keys over the same files) took {fields:.2f} s, so read_json "
                f"and the pass alone come to {(floor + fields) / floor:.2f}x." if fields else "")
    return (
        f"The loader ({ours:.2f} s) does what read_json ({floor:.2f} s) alone does not: it checks that every field "
        "of every row is one the metadata lists, which takes a second pass over the JSON objects, since read_json "
        f"with explicit columns ignores a field it was not given.{measured} The rest is the row-id validation "
        "(no missing and no repeated `:id`, over the landed rows), the metadata contract check and the audit row, "
        "all in the one transaction. Both checks stay: without them a renamed field would land as nulls and an "
        "overlapping page as duplicates, without a word. Scanning the files' text for unlisted fields instead "
        "(a regular expression in DuckDB, or Python's bytes search) took longer than the pass.")


# Both comparisons through the emulator are bounded by the one server the loaders share.
SAME_SERVER = "Through the emulator both loaders wait on the same Python test server"

# Why a target was missed: each takes the run's result and its largest scale, and returns one paragraph.
NOTES: dict[str, Callable[[dict, dict], str]] = {
    "landing_rows_per_second": lambda r, top: (
        f"Landing reached {top['landing_snapshot']['rows_per_second']:,} rows/s, against DuckDB's own read_json "
        f"of the same files at {top['read_json']['rows_per_second']:,} rows/s: the loader is within the ratio "
        "given above of the engine it delegates to, so the rest is the machine (see its load averages)."),
    "landing_vs_read_json": lambda r, top: _landing_overhead(top),
    "landing_peak_rss_mb": lambda r, top: (
        "The loader's DuckDB connection runs with a 256MB memory limit (CTDSS_MEMORY_LIMIT) and without "
        "insertion-order buffering; what is above that is DuckDB's own buffers while it parses JSON."),
    "emulator_vs_baseline": lambda r, top: f"{SAME_SERVER}; its CPU time is given with each landing.",
    "dlt_speedup": lambda r, top: (
        f"{SAME_SERVER} (its CPU time is given with each landing), which bounds how far ahead the loader can get."),
    "dlt_peak_rss": lambda r, top: "dlt's peak is given beside the loader's in the landing table.",
    "marts_seconds": lambda r, top: (
        f"The marts and reports are the shipped models on the scaled kind, with their tests; by layer: "
        f"{_slowest(top, ('marts', 'reporting'))}. The scaled kind's fact, its rollup from TOA codes to programs "
        "and the report on it (linked suppression by `suppress_linked`, window passes over every cell of "
        "each group) each read every row, and their tests (keys, bounds, relationships) read them again."),
    "dbt_build_seconds": lambda r, top: (
        f"Node time by layer: {_slowest(top, ('seeds', 'staging', 'intermediate', 'qa', 'marts', 'reporting'))}; "
        "with two threads the layers overlap. Every layer of the scaled kind's chain reads every row, and the "
        "tests read each table again."),
    "growth_per_10x": lambda r, top: (
        "A step that grows faster than the rows is named in the target's row; from 1x to 10x the fixed costs "
        "(process and dbt start-up) hide the data's cost, so the steps from 10x on are the ones to read."),
    "refresh_ratio": lambda r, top: (
        f"The refresh's steps took {_steps(top['refresh'])} (the build's: {_steps(top['build'])}). In dbt, node "
        f"time by layer was {_refresh_layers(top)}. The scaled kind's chain is incremental over the revision "
        f"window ({len(top['refresh']['dbt']['models_built'])} models ran; the bounded model, its fact and the "
        "rollup to programs bound and write only the months landed, the town report only the calendar years "
        "they fall in, and their uniqueness tests count only the landed rows' keys), but each of those tests "
        "still reads every row's key, and the staging view's tests compute the view over every row. Of the dbt "
        "step, "
        f"{top['refresh']['dbt']['elapsed_seconds']:.1f} s is the build of its nodes; the rest is dbt's start-up, "
        "parse and freshness check, fixed costs of any refresh. The publication replaces only the changed months "
        "in a copy of the previous file and writes again only the export files of those months' years, and the "
        "lineage traced from the same code is kept."),
    "demo_seconds": lambda r, top: (
        "`make demo` took longer than its target; its log is `make-demo-after_install.log`."),
    "report_seconds": lambda r, top: (
        "`make report` took longer than its target; its log is `make-report-report.log`."),
}


def notes(result: dict) -> list[str]:
    """A note for each missed target, and what the figures leave out."""
    top = max(result["scales"], key=lambda s: s["scale"])
    out = [f"**{t['target']}** (`{t['id']}`, missed): {NOTES[t['id']](result, top)}"
           for t in result["targets"] if not t["met"]]
    emulated = [s["scale"] for s in result["scales"] if "landing_emulator" in s]
    if top["scale"] > max(emulated or [0]):
        out.append("The emulator, dlt and the naive baseline do not land the largest scale: the emulator holds "
                   "every row as a Python object, and the baseline inserts a few thousand rows per second. "
                   "Nothing is extrapolated. (The refresh at that scale does go through the emulator: it "
                   "holds only the window a refresh pulls.)")
    return out
