"""The benchmark's results page (docs/benchmarks.md), rendered from the harness's JSON result."""

from __future__ import annotations

from builds import LAYERS, STEPS

INTRO = """\
How the cost of the warehouse grows with the data, next to what dlt and a naive loader cost on the same data.
Every figure below comes from one run of `make bench` on one machine; `docs/benchmarks.json` holds them all,
with the dbt time of every layer.

## Reproduce

```sh
make bench          # 1x, 10x, 100x; writes docs/benchmarks.md and docs/benchmarks.json
make bench-smoke    # every step once on a small 1x (what CI runs); results under warehouse/bench/smoke
```

Generated data, logs, the benchmark's warehouses and the other loaders' venvs go to `warehouse/bench/` (not
versioned). dlt (`bench/requirements-dlt.txt`) and the naive baseline's packages (pandas, sodapy:
`bench/requirements-baseline.txt`) are installed into `warehouse/bench/dlt-venv` and
`warehouse/bench/baseline-venv` on first use, never into the project's environment.

## Machine

- CPU: {cpu}, {cores} usable cores; memory {memory} GB
- {os}; Python {python}, DuckDB {duckdb}, dbt-core {dbt_core}, dbt-duckdb {dbt_duckdb}
- Load average at start {load_start}, at end {load_end}: figures measured while other work runs on the
  machine are slower than on an idle one.{conditions}
- Run at {generated_at} with `{command}`; the harness took {harness_seconds:,.0f} s.

## What is measured

The scaled data is the shipped kind `{kind}` (registry kind, grain {period}), written by `bench/scale.py` as
one synthetic dataset (`bnch-0001`) registered under that kind beside the real ones: every town (the 169
towns, Unknown and Out of State) x every {item} of the seeds per {period}, under the seeds' names, so every
row maps through the seeds. Scale 1x is the smallest whole number of {period}s that reaches
{unit_rows:,} rows; 10x and 100x have exactly 10 and 100 times as many, so the 100x data runs far past today:
the counts are synthetic, the shape and the size are what is measured. Pages of 50,000 rows, every value a
string and an `:id` per row, as `ctdss extract` writes them. The kind to scale is one line in
`bench/scale.py` (`SCALED_KIND`).

The data goes through the project's own loader and its own staging, intermediate, mart and `rpt_` models,
with the bundled sample's datasets beside it: nothing is built for the benchmark alone.

- **Landing from a snapshot**: `ctdss.load.landing.load` in its own process, into a new DuckDB file; rows/s over the
  time inside `load()` (contract check, reads, validation, swap, audit); peak RSS of the process. Beside it,
  DuckDB's own `read_json` of the same page files into a table (`bench/read_json.py`), the floor.
- **Through the emulator**, in the same run, on the same data and the same local Socrata emulator (the
  `socrata_emulator` package, serving read-only in its own process; its CPU time is given): the loader's live
  path (`$order=:id`, pages of 50,000); **dlt** {dlt_version}'s `rest_api` source with offset pagination over
  `$offset`/`$limit`, `$order=:id` and `$select=:id,*`, pages of 50,000, into its DuckDB destination
  (`bench/dlt_land.py`); the **naive baseline**, sodapy's default `get_all()` (pages of 1,000 rows, no order)
  into a pandas DataFrame, then DuckDB `executemany` (`bench/baseline.py`). "Exactly once" compares the rows
  and distinct `:id`s landed with the rows served (the baseline's rows carry no `:id`: only its count is
  checked).
- **The build**, `make update` on an empty warehouse: the loader from the snapshot (the emulator would hold
  every row of the 100x table as a Python object), `ctdss build` (no state yet, so every node), `ctdss
  publish`; one command, timed whole, with dbt's node time per layer from `run_results.json` (a test counts
  with the layer of the model it tests; with two threads node times overlap, so the layers add up to more than
  dbt's wall time).
- **The refresh**, `make update` again after the next publication: a new month in every monthly dataset, the
  two months before it revised (annual datasets are not republished). It lands as from the portal, through the
  emulator: the datasets whose rowsUpdatedAt is unchanged are skipped, and the monthly ones re-pull their
  window (the last three months and anything newer; the emulator holds, of the scaled dataset, the months such
  a pull asks for). It then builds `source_status:fresher+ state:modified+` against the state of the build
  before, and republishes the tables it rebuilt. The ratio is its wall time over the build's, at the same
  scale.
- **`make demo`** on a fresh clone of the committed project: once including `make setup` (the venv and the
  pinned packages), then again on a fresh warehouse file, after install.

## Results

### Targets
"""


def figures(result: dict) -> dict[str, float]:
    """Every headline figure of a run, flat: what the page shows and what the smoke test checks."""
    out: dict[str, float] = {}
    for s in result["scales"]:
        k = f"{s['scale']}x"
        out[f"{k}.rows"] = s["data"]["rows"]
        for name in ("landing_snapshot", "read_json", "landing_emulator", "dlt", "baseline"):
            if name in s:
                for m in ("rows_per_second", "seconds", "peak_rss_mb"):
                    out[f"{k}.{name}.{m}"] = s[name][m]
        for step in ("build", "refresh"):
            out[f"{k}.{step}.wall_seconds"] = s[step]["wall_seconds"]
            out[f"{k}.{step}.dbt_seconds"] = s[step]["dbt"]["elapsed_seconds"]
            for layer, entry in s[step]["dbt"]["layers"].items():
                out[f"{k}.{step}.{layer}_seconds"] = entry["seconds"]
        out[f"{k}.refresh.ratio_to_build"] = s["refresh"]["ratio_to_build"]
    if result.get("demo"):
        for name in ("wall_seconds", "with_install_seconds", "report_seconds"):
            out[f"demo.{name}"] = result["demo"][name]
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


def _once(value) -> str:
    return {True: "yes", False: "**no**", None: "count only"}[value]


def _intro(result: dict) -> str:
    m = result["machine"]
    dlt = next((s["dlt"].get("version") for s in result["scales"] if "dlt" in s), None)
    conditions = result.get("conditions") or ""
    return INTRO.format(
        cpu=m["cpu"], cores=m["cores_usable"], memory=m["memory_gb"], os=m["os"], python=m["python"],
        duckdb=m.get("duckdb", "?"), dbt_core=m.get("dbt_core", "?"), dbt_duckdb=m.get("dbt_duckdb", "?"),
        load_start=m["load_average_at_start"], load_end=m.get("load_average_at_end", "?"),
        conditions=f"\n- Conditions: {conditions}" if conditions else "",
        generated_at=result["generated_at"], command=result["command"],
        harness_seconds=result.get("harness_seconds", 0), unit_rows=result["unit_rows"],
        kind=result.get("scaled_kind", "?"), period=result["scales"][0]["data"]["period"],
        item=result["scales"][0]["data"].get("item", "program").replace("_", " "),
        dlt_version=dlt or "",
    )


def _landing(scales: list[dict]) -> list[str]:
    rows = [[
        f"{s['scale']}x", _n(s["data"]["rows"]), f"{s['data']['bytes'] / 1e6:,.0f} MB",
        _n(s["landing_snapshot"]["rows_per_second"]), _n(s["landing_snapshot"]["peak_rss_mb"]),
        _n(s["read_json"]["rows_per_second"]), _n(s["read_json"]["peak_rss_mb"]),
        f"{s['landing_snapshot']['seconds'] / s['read_json']['seconds']:.2f}x",
    ] for s in scales]
    return ["", "### Landing from a snapshot", "", _table(
        ["scale", "rows", "JSON", "ctdss rows/s", "RSS MB", "read_json rows/s", "RSS MB", "ctdss time / read_json"],
        rows)]


def _emulated(scales: list[dict]) -> list[str]:
    served = [s for s in scales if any(k in s for k in ("landing_emulator", "dlt", "baseline"))]
    if not served:
        return []
    rows = []
    for s in served:
        row = [f"{s['scale']}x", _n(s["data"]["rows"])]
        for name in ("landing_emulator", "dlt", "baseline"):
            x = s.get(name)
            row += [_n(x["rows_per_second"]), _n(x["peak_rss_mb"]), _once(x["exactly_once"]),
                    _n(x["emulator_cpu_seconds"], 1)] if x else ["-"] * 4
        ours = s.get("landing_emulator")
        for other in ("dlt", "baseline"):
            x = s.get(other)
            row.append(f"{ours['rows_per_second'] / x['rows_per_second']:,.1f}x" if ours and x else "-")
        rows.append(row)
    head = ["scale", "rows"]
    for label in ("ctdss", "dlt", "baseline"):
        head += [f"{label} rows/s", "RSS MB", "exactly once", "emulator CPU s"]
    out = ["", "### Through the emulator: ctdss, dlt and the naive baseline", "",
           _table([*head, "ctdss / dlt", "ctdss / baseline"], rows)]
    bases = [s for s in served if "baseline" in s]
    if bases:
        steps = "; ".join(
            f"{s['scale']}x: get_all {b['get_all_seconds']:,.1f} ({b['pages']:,} pages), DataFrame "
            f"{b['dataframe_seconds']:,.1f}, executemany {b['insert_seconds']:,.1f}"
            for s in bases for b in [s["baseline"]])
        out += ["", f"The baseline's time by step, in seconds: {steps}."]
    return out


def _dbt(scales: list[dict]) -> list[str]:
    layers = [x for x in LAYERS if any(x in s["build"]["dbt"]["layers"] for s in scales)]
    rows = [[f"{s['scale']}x", _n(s["data"]["rows"]), _n(s["build"]["dbt"]["elapsed_seconds"], 1),
             *[_n(s["build"]["dbt"]["layers"].get(x, {}).get("seconds"), 1) for x in layers]] for s in scales]
    refresh = [[
        f"{s['scale']}x", _n(s["build"]["wall_seconds"], 1), _n(s["refresh"]["wall_seconds"], 1),
        f"{s['refresh']['ratio_to_build']:.0%}",
        *[_n((s["refresh"].get("steps") or {}).get(name), 1) for name, _ in STEPS],
        f"{len(s['refresh']['dbt']['models_built'])} of {len(s['build']['dbt']['models_built'])}",
    ] for s in scales]
    top = max(scales, key=lambda s: s["scale"])
    return [
        "", "### dbt build of the shipped models, by layer", "",
        _table(["scale", "rows", "dbt wall s", *[f"{x} s" for x in layers]], rows),
        "", "Layer columns are node time (models and their tests) summed per layer.",
        "", "### The build and the refresh (`make update`)", "",
        _table(["scale", "build s", "refresh s", "refresh / build",
                *[f"refresh: {name} s" for name, _ in STEPS], "models and snapshots rebuilt"], refresh),
        "", "The refresh's steps are timed from when make starts each one's command: the loader (`ctdss load`), "
        "dbt with its start-up and parse (`ctdss build`), the column lineage (`ctdss lineage`) and the "
        "publication with its exports (`ctdss publish --changed`).",
        "", f"Rebuilt by the refresh at {top['scale']}x: " + ", ".join(
            f"`{m}`" for m in top["refresh"]["dbt"]["models_built"]) + ".",
    ]


def render(result: dict) -> str:
    scales = result["scales"]
    out = ["# Benchmarks", ""]
    if result.get("smoke"):
        out += ["**Smoke run** (a small 1x, to check the harness): not the benchmark's figures.", ""]
    out.append(_intro(result))
    out.append(_table(
        ["id", "target", "goal", "measured", "met"],
        [[f"`{t['id']}`", t["target"], t["goal"], t["measured"], "yes" if t["met"] else "**no**"]
         for t in result["targets"]]))
    out += _landing(scales) + _emulated(scales) + _dbt(scales)
    if result.get("demo"):
        demo = result["demo"]
        out += ["", "### `make demo` on a fresh clone", "",
                f"{demo['with_install_seconds']:,.1f} s from `git clone` to the published file, installing the "
                f"pinned packages (`make setup`, from the package index); then {demo['after_install_seconds']:,.1f} s "
                "on a fresh warehouse file, after install (every step the target runs); `make report` then writes "
                f"the report site in {demo['report_seconds']:,.1f} s."]
    growth_rows = [[label, f"{st['from']}x -> {st['to']}x", f"{st['rows_ratio']:g}x", f"{st['time_ratio']:g}x"]
                   for label, steps in result.get("growth", {}).items() for st in steps]
    if growth_rows:
        out += ["", "### Growth", "", _table(["step", "scales", "rows", "time"], growth_rows)]
    if result.get("notes"):
        out += ["", "## Notes", ""] + [f"- {n}" for n in result["notes"]]
    out.append("")
    return "\n".join(out)
