"""`make lint` lints the incremental branch of the incremental models, which dbt does not render against the
linter's empty DuckDB file: its second sqlfluff pass (.sqlfluff-incremental) renders them as an incremental run
does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.warehouse_fixtures import REPO

pytestmark = pytest.mark.slow

MODEL = "models/marts/reporting/rpt_town_program_family_trends_by_month.sql"


def render(tmp_path: Path, *config: str) -> str:
    sqlfluff = Path(sys.executable).with_name("sqlfluff")
    env = {**os.environ, "CTDSS_DB": str(tmp_path / "lint.duckdb")}
    result = subprocess.run([str(sqlfluff), "render", *config, MODEL], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_the_second_pass_renders_the_incremental_branch(tmp_path):
    rendered = render(tmp_path, "--config", ".sqlfluff-incremental")
    assert "years_to_build as (" in rendered  # the CTE only an incremental run has
    assert "where published.calendar_year in" in rendered


def test_make_lint_runs_the_second_pass_over_every_incremental_model():
    dry_run = subprocess.run(["make", "-n", "lint"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    second = next(line for line in dry_run.splitlines() if "--config .sqlfluff-incremental" in line)
    incremental = {str(p.relative_to(REPO)) for p in (REPO / "models").rglob("*.sql")
                   if "is_incremental()" in p.read_text()}
    assert MODEL in incremental and set(second.split()) >= incremental
