"""Adding a dataset is one registry entry: another township year, added to a copy of the registry, is sampled,
landed and built into the town facts with no other file of the project changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support.warehouse_fixtures import REPO, copy_warehouse, dbt_env, downstream_of, query, run_dbt

from ctdss.config import REGISTRY_PATH

pytestmark = pytest.mark.slow

NEW_ID, NEW_YEAR = "tc24-2024", 2024


def _tree_state() -> str:
    """Every change git sees in the project (modified, added, untracked): empty diff means nothing changed."""
    status = subprocess.run(["git", "status", "--porcelain=v1", "-uall"], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout
    diff = subprocess.run(["git", "diff", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return status + diff


def _registry_with_another_year(path) -> None:
    doc = yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))
    kind = next(t for t in doc["sources"][0]["tables"] if t["name"] == "town_program_annual")
    kind["config"]["meta"]["datasets"].append({
        "id": NEW_ID,
        "title": f"DSS Township Counts - by Program - CY {NEW_YEAR}",
        "grain": "one row per town per program",
        "fields": {"town": "town", "program": "program", "count": "count"},
        "constants": {"year": str(NEW_YEAR)},
        "coverage": {"from": str(NEW_YEAR), "to": str(NEW_YEAR)},
        "refresh": {"mode": "full"},
    })
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def _ctdss(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    ctdss = Path(sys.executable).with_name("ctdss")  # the console script of the project's venv
    result = subprocess.run([str(ctdss), *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_another_township_year_reaches_the_town_facts_from_one_registry_entry(built_warehouse, tmp_path):
    before = _tree_state()
    registry = tmp_path / "registry.yml"
    _registry_with_another_year(registry)
    # The session's warehouse, copied: the other datasets are sampled exactly as before, so the load skips them
    # as unchanged and lands the new one, and only what the town datasets feed is rebuilt.
    db = copy_warehouse(built_warehouse, tmp_path)
    env = {**dbt_env(db), "CTDSS_REGISTRY": str(registry)}

    _ctdss("sample", "--out", str(tmp_path / "sample"), env=env)
    landed = _ctdss("load", "--snapshot", str(tmp_path / "sample"), "--db", str(db), env=env)
    assert f"dataset={NEW_ID} kind=town_program_annual status=loaded" in landed.stderr + landed.stdout
    build = run_dbt(["build", *downstream_of("town_program_annual")], env, tmp_path / "target")
    assert build.returncode == 0, build.stdout[-5000:]

    rows = query(db, "select source_dataset_id, count(*), count(distinct town_key), count(distinct program_code) "
                     "from marts.fct_town_program_participation_annual where calendar_year = ? group by 1",
                 [NEW_YEAR])
    assert rows == [(NEW_ID, 171 * 15, 171, 15)]  # the 169 towns, Unknown and Out of State; 15 programs
    by_year = query(db, "select calendar_year, count(*) from reporting.rpt_town_program_family_trends_by_year "
                        "where calendar_year = ? group by 1", [NEW_YEAR])
    assert by_year and by_year[0][1] == 169 * 4  # the towns' four program families reach the published trends
    assert _tree_state() == before, "adding the dataset changed a file of the project"
