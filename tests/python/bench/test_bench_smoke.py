"""A smoke run of the benchmark harness (`make bench-smoke`): every step once, on a small 1x.

It checks that the harness runs end to end and produces a complete result, not how fast anything is: the
figures must all be there and positive, and the rows must add up (everything generated was landed by each
path, and the incremental run rewrote exactly the refresh window).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HARNESS = ROOT / "scripts" / "bench" / "run.py"
LANDINGS = ("landing_snapshot", "landing_snapshot_proposed", "landing_emulator", "baseline")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, str(HARNESS), "--smoke", "--work", str(work)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, f"the harness failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    result = json.loads((work / "benchmarks.json").read_text(encoding="utf-8"))
    result["_markdown"] = (work / "benchmarks.md").read_text(encoding="utf-8")
    return result


def expected_figures() -> list[str]:
    names = ["1x.rows", "demo.wall_seconds", "demo.report_seconds"]
    for landing in (*LANDINGS, "landing_emulator_next_month"):
        names += [f"1x.{landing}.{m}" for m in ("rows_per_second", "seconds", "peak_rss_mb")]
    names += ["1x.emulator_vs_baseline", "1x.snapshot_vs_baseline"]
    names += [f"1x.dbt_build.{m}" for m in ("wall_seconds", "staging_seconds", "marts_seconds",
                                            "bench_marts_seconds")]
    names += [f"1x.incremental.{m}" for m in ("wall_seconds", "ratio_to_full", "bench_marts_seconds",
                                              "rows_rewritten", "window_rows", "landing_seconds")]
    return names


@pytest.mark.slow
def test_every_figure_is_present_and_positive(smoke: dict) -> None:
    figures = smoke["figures"]
    missing = [name for name in expected_figures() if name not in figures]
    assert not missing, f"figures missing from the result: {missing}"
    bad = {
        name: value for name, value in figures.items()
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0
    }
    assert not bad, f"figures that are not positive numbers: {bad}"


@pytest.mark.slow
def test_every_path_landed_every_generated_row(smoke: dict) -> None:
    (one,) = smoke["scales"]
    assert one["scale"] == 1
    rows = one["data"]["rows"]
    assert rows == one["data"]["months"] * one["data"]["towns"] * one["data"]["programs"]
    for landing in LANDINGS:
        assert one[landing]["rows"] == rows, landing


@pytest.mark.slow
def test_the_incremental_run_rewrote_only_the_refresh_window(smoke: dict) -> None:
    (one,) = smoke["scales"]
    inc = one["incremental"]
    per_month = one["data"]["towns"] * one["data"]["programs"]
    assert inc["fact_rows"] == inc["rows_after"] == one["data"]["rows"] + per_month
    assert inc["rows_rewritten"] == inc["window_rows"] == inc["window_months"] * per_month
    assert inc["rows_rewritten"] < inc["fact_rows"]


@pytest.mark.slow
def test_the_live_path_pulled_only_the_refresh_window_of_the_next_month(smoke: dict) -> None:
    (one,) = smoke["scales"]
    inc, pulled = one["incremental"], one["landing_emulator_next_month"]
    assert pulled["refresh"].startswith("window from ")
    assert pulled["rows"] == inc["window_rows"]
    assert pulled["rows"] + pulled["rows_kept"] == inc["fact_rows"]


@pytest.mark.slow
def test_the_page_reports_each_target(smoke: dict) -> None:
    names = {t["target"] for t in smoke["targets"]}
    assert {
        "Landing from a snapshot", "Peak RSS of the loader, flat with size",
        "Landing through the emulator vs the naive baseline", "dbt build of the marts on the largest table",
        "Incremental new month: the largest table's marts", "Incremental new month: the whole `dbt build`",
        "`make demo` after install", "`make report` on the sample (every page, CSV and asset)",
    } <= names
    page = smoke["_markdown"]
    for target in smoke["targets"]:  # each target's row shows its goal, its figure and its verdict
        verdict = {True: "yes", False: "**no**"}[target["met"]]
        assert f"| {target['target']} | {target['goal']} | {target['measured']} | {verdict} |" in page
    assert "| 1x |" in page
    # A verdict follows from its figure: landing from a snapshot is met exactly when its rows/s reach the goal.
    landing = next(t for t in smoke["targets"] if t["target"] == "Landing from a snapshot")
    goal = int(re.sub(r"[^0-9]", "", landing["goal"]))
    assert landing["met"] == (smoke["figures"]["1x.landing_snapshot.rows_per_second"] >= goal)
    # The machine described is this one.
    assert smoke["machine"]["cores"] == os.cpu_count()
    assert smoke["machine"]["cores_usable"] == len(os.sched_getaffinity(0))
