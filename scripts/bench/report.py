"""The benchmark's results page (docs/benchmarks.md), rendered from the harness's JSON result."""

from __future__ import annotations

LAYER_ORDER = ("seeds", "staging", "intermediate", "qa", "marts", "reporting", "snapshots", "other")

INTRO = """\
How the cost of the warehouse grows with the data, next to what a naive loader costs on the same data. Every
figure below comes from one run of `make bench` on one machine; `docs/benchmarks.json` holds them all, with
the dbt time of every layer.

## Reproduce

```sh
make bench          # 1x, 10x, 100x; writes docs/benchmarks.md and docs/benchmarks.json
make bench-smoke    # every step once on a small 1x (what CI runs); results under warehouse/bench/smoke
```

Generated data, logs and the benchmark's warehouses go to `warehouse/bench/` (not versioned). The naive
baseline's packages (pandas, numpy: `scripts/bench/requirements-baseline.txt`) are installed into
`warehouse/bench/baseline-venv` on first use, never into the project's environment.

## Machine

- CPU: {cpu}, {cores} usable cores; memory {memory} GB
- {os}; Python {python}, DuckDB {duckdb}, dbt-core {dbt_core}, dbt-duckdb {dbt_duckdb}
- Load average at start {load_start}, at end {load_end}: figures measured while other work runs on the
  machine are slower than on an idle one.
- Run at {generated_at} with `{command}`; the harness took {harness_seconds:,.0f} s.

## What is measured

The scaled table is a **town x assistance type x month** dataset in the portal's shape (`bnch-0001`, registry
kind `town_program_monthly`, written by `scripts/bench/scale.py`): every town (the 169 towns, Unknown and Out
of State) x every program of the catalogue, per month, under the seeds' names, so every row maps through the
alias seeds. Scale 1x is the smallest whole number of months that reaches {unit_rows:,} rows; 10x and 100x
have exactly 10 and 100 times the months, so the 100x table runs far past today: the counts are synthetic, the
shape and the size are what is measured. Pages of 50,000 rows, every value a string and an `:id` per row, as
`ctdss extract` writes them.

**How the table flows through the marts.** The project's registry has no town x month kind, so the benchmark
adds one: it lands `bnch-0001` with the project's loader (the project's registry file plus one kind), and
builds a copy of the dbt project with benchmark models added beside the project's, one per layer, in the
project's folders and style (`scripts/bench/dbt/`):

- staging: `stg_bench__town_program_monthly`, a view: names normalised through the alias seeds, unmapped
  names kept under an explicit key;
- intermediate: `int_bench_town_participation_bounded`, a view: suppression bounds (a published 0 means 0 to
  4) and methodology flags;
- marts: `fct_bench_town_program_participation_monthly`, an incremental table with an enforced contract,
  rebuilt over the refresh window (`refresh_window_months`);
- reporting: `rpt_bench_participation_by_region_month`, an incremental table: program x month x county and
  planning region, bounds added up over the towns, primary and complementary suppression by the project's
  `suppress_cells` macro (as `rpt_town_participation_by_region` does for years).

The project's own models build in the same `dbt build`, on the bundled sample's datasets. "dbt build of the
marts on the 10M-row table" is the node time of the benchmark's marts and reporting models with their tests;
the whole `dbt build` (every project node, seeds, snapshots, tests and dbt's start-up) is given beside it.

- **Landing from a snapshot**: `ctdss.loader.load` in its own process, into a new DuckDB file; rows/s over
  the time inside `load()` (contract check, reads, validation, swap, audit); peak RSS of the process (from
  `wait4`). Measured twice: the loader as it is, and with the DuckDB settings proposed for it
  (`memory_limit`, `preserve_insertion_order = false`, applied to its connection from outside).
- **Landing through the emulator**: the loader's live path against the local Socrata emulator
  (`tests/python/support/socrata_emulator.py`) serving the same snapshot: `$order=:id`, pages of 50,000 rows. The
  emulator runs in its own process and serves read-only (`scripts/bench/emulate.py`): the tests' emulator
  copies every row on each request so that tests can change them, which at a million rows costs seconds per
  request. The emulator's own CPU time is recorded with each landing through it.
- **Naive baseline**, in the same run, on the same data and the same emulator: sodapy's default `get_all()`
  (pages of 1,000 rows, no order) into a pandas DataFrame, then DuckDB `executemany` row inserts
  (`scripts/bench/baseline.py`).
- **dbt build**: wall time of `dbt build`, and node time per layer from `run_results.json` (a test counts with
  the layer of the model it tests; with two threads node times overlap, so the layers add up to more than the
  wall time).
- **Incremental run**: the next publication arrives (one new month, the two months before it revised, as DSS
  does), is landed, and `dbt build` runs again. The fact records the dbt invocation that wrote each row, so
  the rows an incremental run rewrote are counted against the rows of the refresh window.
- **`make demo`**: end to end on a fresh warehouse file, after install (the venv exists).

## Results

### Targets
"""


def figures(result: dict) -> dict[str, float]:
    """Every headline figure of a run, flat: what the page shows and what the smoke test checks."""
    out: dict[str, float] = {}
    for s in result["scales"]:
        k = f"{s['scale']}x"
        out[f"{k}.rows"] = s["data"]["rows"]
        for name in ("landing_snapshot", "landing_snapshot_proposed", "landing_emulator",
                     "landing_emulator_next_month", "baseline"):
            if name in s:
                out[f"{k}.{name}.rows_per_second"] = s[name]["rows_per_second"]
                out[f"{k}.{name}.seconds"] = s[name]["seconds"]
                out[f"{k}.{name}.peak_rss_mb"] = s[name]["peak_rss_mb"]
        if "vs_baseline" in s:
            out[f"{k}.emulator_vs_baseline"] = s["vs_baseline"]["emulator_landing_speedup"]
            out[f"{k}.snapshot_vs_baseline"] = s["vs_baseline"]["snapshot_landing_speedup"]
        build = s["dbt_build"]
        out[f"{k}.dbt_build.wall_seconds"] = build["wall_seconds"]
        for layer in ("seeds", "staging", "intermediate", "marts", "reporting"):
            if layer in build["layers"]:
                out[f"{k}.dbt_build.{layer}_seconds"] = build["layers"][layer]["seconds"]
        out[f"{k}.dbt_build.bench_marts_seconds"] = build["bench_table_marts"]["seconds"]
        inc = s["incremental"]
        out[f"{k}.incremental.wall_seconds"] = inc["wall_seconds"]
        out[f"{k}.incremental.ratio_to_full"] = inc["ratio_to_full"]
        out[f"{k}.incremental.bench_marts_seconds"] = inc["bench_table_marts_seconds"]
        out[f"{k}.incremental.rows_rewritten"] = inc["rows_rewritten"]
        out[f"{k}.incremental.window_rows"] = inc["window_rows"]
        out[f"{k}.incremental.landing_seconds"] = inc["landing"]["seconds"]
    if result.get("demo"):
        out["demo.wall_seconds"] = result["demo"]["wall_seconds"]
        out["demo.report_seconds"] = result["demo"]["report_seconds"]
    for label, steps in result.get("growth", {}).items():
        for step in steps:
            out[f"growth.{label}.{step['from']}x-{step['to']}x"] = step["time_ratio"]
    return out


def _n(value, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{round(value):,}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render(result: dict) -> str:
    m = result["machine"]
    scales = result["scales"]
    smoke = result.get("smoke")
    out = ["# Benchmarks", ""]
    if smoke:
        out += ["**Smoke run** (a small 1x, to check the harness): not the benchmark's figures.", ""]
    out += [INTRO.format(
        cpu=m["cpu"], cores=m["cores_usable"], memory=m["memory_gb"], os=m["os"], python=m["python"],
        duckdb=m["duckdb"], dbt_core=m.get("dbt_core", "?"), dbt_duckdb=m.get("dbt_duckdb", "?"),
        load_start=m["load_average_at_start"], load_end=m.get("load_average_at_end", "?"),
        generated_at=result["generated_at"], command=result["command"],
        harness_seconds=result.get("harness_seconds", 0), unit_rows=result["unit_rows"],
    )]
    out.append(_table(
        ["target", "goal", "measured", "met"],
        [[t["target"], t["goal"], t["measured"], "yes" if t["met"] else "**no**"] for t in result["targets"]],
    ))
    out += ["", "### Landing the town x assistance type x month table", ""]
    rows = []
    for s in scales:
        snap, prop = s["landing_snapshot"], s["landing_snapshot_proposed"]
        emu, base = s.get("landing_emulator"), s.get("baseline")
        rows.append([
            f"{s['scale']}x", _n(s["data"]["rows"]), f"{s['data']['bytes'] / 1e6:,.0f} MB",
            _n(snap["rows_per_second"]), _n(snap["peak_rss_mb"]),
            _n(prop["rows_per_second"]), _n(prop["peak_rss_mb"]),
            _n(emu["rows_per_second"]) if emu else "-", _n(emu["peak_rss_mb"]) if emu else "-",
            _n(base["rows_per_second"]) if base else "-", _n(base["peak_rss_mb"]) if base else "-",
            f"{s['vs_baseline']['emulator_landing_speedup']}x" if "vs_baseline" in s else "-",
            f"{s['vs_baseline']['snapshot_landing_speedup']}x" if "vs_baseline" in s else "-",
        ])
    out.append(_table(
        ["scale", "rows", "JSON", "snapshot rows/s", "RSS MB", "proposed rows/s", "RSS MB", "emulator rows/s",
         "RSS MB", "baseline rows/s", "RSS MB", "emulator / baseline", "snapshot / baseline"],
        rows,
    ))
    nexts = [s for s in scales if "landing_emulator_next_month" in s]
    if nexts:
        pulls = "; ".join(
            f"{s['scale']}x: {n['rows']:,} rows pulled ({n['refresh']}), {n['rows_kept']:,} kept, in "
            f"{n['seconds']:,.2f} s"
            for s in nexts for n in [s["landing_emulator_next_month"]]
        )
        out += ["", f"The next month through the emulator (the live path re-pulls only the refresh window): "
                f"{pulls}."]
    bases = [s for s in scales if "baseline" in s]
    if bases:
        steps = "; ".join(
            f"{s['scale']}x: get_all {b['get_all_seconds']:,.1f} ({b['pages']:,} pages), DataFrame "
            f"{b['dataframe_seconds']:,.1f}, executemany {b['insert_seconds']:,.1f}"
            for s in bases for b in [s["baseline"]]
        )
        out += ["", f"The baseline's time by step, in seconds: {steps}. It runs only at the scales where it "
                "finishes in reasonable time; nothing is extrapolated."]
    out += ["", "### dbt build", ""]
    layers = [x for x in LAYER_ORDER if any(x in s["dbt_build"]["layers"] for s in scales)]
    rows = []
    for s in scales:
        b, inc = s["dbt_build"], s["incremental"]
        rows.append([
            f"{s['scale']}x", _n(s["data"]["rows"]), _n(b["wall_seconds"], 1),
            *[_n(b["layers"].get(x, {}).get("seconds"), 1) for x in layers],
            _n(b["bench_table_marts"]["seconds"], 1),
            _n(inc["wall_seconds"], 1), f"{inc['ratio_to_full']:.0%}",
            f"{inc['bench_table_marts_seconds']:,.1f} ({inc['bench_table_marts_ratio']:.0%})",
            f"{inc['rows_rewritten']:,} / {inc['fact_rows']:,} (window {inc['window_rows']:,})",
        ])
    out.append(_table(
        ["scale", "rows", "build wall s", *[f"{x} s" for x in layers], "bench marts s",
         "incremental wall s", "incr. / full", "incr. bench marts s", "fact rows rewritten / total (window)"],
        rows,
    ))
    out += ["", "Layer columns are node time (models and their tests) summed per layer; \"bench marts\" is "
            "the "
            "benchmark fact and report models on the scaled table, with their tests."]
    if result.get("demo"):
        out += ["", "### `make demo`", "", f"{result['demo']['wall_seconds']:,.1f} s end to end on a fresh "
                "warehouse file (every step the target runs); `make report` then writes the report site in "
                f"{result['demo']['report_seconds']:,.1f} s."]
    growth_rows = [
        [label, f"{st['from']}x -> {st['to']}x", f"{st['rows_ratio']:g}x", f"{st['time_ratio']:g}x"]
        for label, steps in result.get("growth", {}).items() for st in steps
    ]
    if growth_rows:
        out += ["", "### Growth", "", _table(["step", "scales", "rows", "time"], growth_rows)]
    notes = result.get("notes") or []
    if notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    out.append("")
    return "\n".join(out)
