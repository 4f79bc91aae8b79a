"""A new kind is its registry table, the seed of its names and its fact: a town x ethnicity x year kind, as
`ctdss inspect` proposes it for such a dataset, is added to a copy of the project with only the files listed in
HAND_WRITTEN, and `make generate`, the sample, the load and dbt carry its rows into its fact with their bounds,
their methodology flags and their column lineage."""

from __future__ import annotations

import copy
import csv
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml
from support.warehouse_fixtures import REPO, dbt_env, query

from ctdss.build import generate as models
from ctdss.lineage import check, load_lineage
from ctdss.lineage.render import tree_text
from ctdss.onboard.entry import render
from ctdss.onboard.roles import choose_kind, columns_of, place
from ctdss.registry import load_registry

pytestmark = pytest.mark.slow

DATASET_ID = "et15-2016"
TITLE = "Department of Social Services - People Served by Town and Ethnicity, 2015-2016"
YEARS = (2015, 2016)
FACT = "fct_town_ethnicity_participation_annual"
REGISTRY = "models/staging/socrata/_socrata__sources.yml"
# Every file of the project a new kind needed written or edited by hand; everything else is generated.
HAND_WRITTEN = [
    REGISTRY,  # the table `ctdss inspect` proposes, with the coverage filled in
    "seeds/ethnicity_aliases.csv",  # the seed of its names
    f"models/marts/{FACT}.sql",  # its fact
    "models/marts/_town_ethnicity__models.yml",  # the fact's contract
]
# /api/views/{id}.json of the dataset, as the portal would describe it: town, year, ethnicity and a count.
VIEW = {
    "id": DATASET_ID,
    "name": TITLE,
    "columns": [
        {"fieldName": "town", "name": "Town", "dataTypeName": "text", "position": 1},
        {"fieldName": "year", "name": "Year", "dataTypeName": "number", "position": 2},
        {"fieldName": "ethnicity", "name": "Ethnicity", "dataTypeName": "text", "position": 3},
        {"fieldName": "people_served", "name": "People Served", "dataTypeName": "number", "position": 4},
    ],
}
ETHNICITIES = {"hispanic or latino": "hispanic", "not hispanic or latino": "not_hispanic", "unknown": "unknown"}
PROJECT = ["models", "macros", "seeds", "snapshots", "tests/dbt", "dbt_project.yml", "selectors.yml"]


def _copy_project(root: Path) -> Path:
    for name in PROJECT:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
    return root


def _proposed_table() -> dict:
    """The kind's table as `ctdss inspect` prints it for the dataset, with the coverage the README asks for."""
    placement = place(columns_of(VIEW), TITLE)
    kind = choose_kind(placement, load_registry(REPO / REGISTRY))
    assert not kind.existing and kind.name == "town_ethnicity_annual", kind
    [table] = yaml.safe_load(textwrap.dedent(render(DATASET_ID, TITLE, placement, kind)))
    table["config"]["meta"]["datasets"][0]["coverage"] = {"from": str(YEARS[0]), "to": str(YEARS[-1])}
    return table


def _write_registry(root: Path) -> None:
    doc = yaml.safe_load((root / REGISTRY).read_text(encoding="utf-8"))
    doc["sources"][0]["tables"].append(_proposed_table())
    (root / REGISTRY).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def _write_seed(root: Path) -> None:
    lines = ["alias_key,ethnicity_key", *(f"{alias},{key}" for alias, key in ETHNICITIES.items())]
    (root / HAND_WRITTEN[1]).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_fact(root: Path) -> None:
    """The fact and its contract, written as one would from the race fact: the race is the ethnicity."""
    race_fact = (REPO / "models/marts/fct_town_race_participation_annual.sql").read_text(encoding="utf-8")
    (root / HAND_WRITTEN[2]).write_text(race_fact.replace("race", "ethnicity"), encoding="utf-8")
    marts = yaml.safe_load((REPO / "models/marts/_marts__models.yml").read_text(encoding="utf-8"))
    entry = copy.deepcopy(next(m for m in marts["models"] if m["name"] == "fct_town_race_participation_annual"))
    entry["name"] = FACT
    entry["description"] = "One row per town per ethnicity per calendar year. {{ doc(\"fact_rows\") }}"
    entry["data_tests"][0]["unique_combination"]["arguments"]["combination_of_columns"] = [
        "town_key", "ethnicity_key", "calendar_year"]
    key = next(c for c in entry["columns"] if c["name"] == "race_key")
    key.update(name="ethnicity_key", description="The ethnicity's key (seed `ethnicity_aliases`).")
    key["data_tests"][0]["relationships"]["arguments"] = {"to": "ref('ethnicity_aliases')", "field": "ethnicity_key"}
    (root / HAND_WRITTEN[3]).write_text(yaml.safe_dump({"version": 2, "models": [entry]}, sort_keys=False),
                                        encoding="utf-8")


def _run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-8000:]
    return result


def _changed_files(root: Path) -> set[str]:
    """The files of the copy that are new or differ from the project's."""
    changed = set()
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and relative.parts[0] in PROJECT[:4] + ["tests"] and not (
                (REPO / relative).is_file() and (REPO / relative).read_bytes() == path.read_bytes()):
            changed.add(str(relative))
    return changed


def _expected_events(year: int) -> str | None:
    """The methodology events the seed says cover a town count of the year (no program scope, not reversed)."""
    with (REPO / "seeds/methodology_events.csv").open(encoding="utf-8", newline="") as handle:
        events = sorted(
            e["event_key"] for e in csv.DictReader(handle)
            if not e["scope_program_code"] and e["scope_period"] in ("all", "year") and not e["reversed_on"]
            and date.fromisoformat(e["effective_from"]) <= date(year, 12, 31)
            and (not e["effective_to"] or date.fromisoformat(e["effective_to"]) >= date(year, 1, 1))
        )
    return ", ".join(events) or None


def test_a_new_kind_reaches_its_fact_from_its_table_its_seed_and_its_fact(tmp_path):
    root = _copy_project(tmp_path / "project")
    _write_registry(root)
    _write_seed(root)
    _write_fact(root)
    generated = {str(p) for p in models.write(root)}

    assert _changed_files(root) - generated == set(HAND_WRITTEN)
    assert {"models/staging/socrata/stg_socrata__town_ethnicity_annual.sql",
            "models/intermediate/participation/int_town_ethnicity_annual_bounded.sql"} <= generated

    db = tmp_path / "ct_dss.duckdb"
    env = {**dbt_env(db), "CTDSS_REGISTRY": str(root / REGISTRY)}
    bin_dir = Path(sys.executable).parent
    _run([str(bin_dir / "ctdss"), "sample", "--out", str(tmp_path / "sample")], env, REPO)
    landed = _run([str(bin_dir / "ctdss"), "load", "--snapshot", str(tmp_path / "sample"), "--db", str(db)],
                  env, REPO)
    assert f"dataset={DATASET_ID} kind=town_ethnicity_annual status=loaded" in landed.stdout + landed.stderr
    _run([str(bin_dir / "dbt"), "build", "--project-dir", str(root), "--target-path", str(root / "target")],
         env, root)

    rows = query(db, f"select calendar_year, count(*), count(distinct town_key), count(distinct ethnicity_key), "
                     f"min(source_dataset_id), max(source_dataset_id) from marts.{FACT} group by 1 order by 1")
    assert rows == [(year, 171 * 3, 171, 3, DATASET_ID, DATASET_ID) for year in YEARS]
    bounds = query(db, f"select count_as_published, recipient_count_lower, recipient_count_upper, "
                       f"is_suppressed_at_source from marts.{FACT}")
    assert all((lo, up, zero) == ((0, 4, True) if text == "0" else (int(text), int(text), False))
               for text, lo, up, zero in bounds)
    flags = query(db, f"select distinct calendar_year, methodology_event_keys, has_methodology_break "
                      f"from marts.{FACT} order by 1")
    assert flags == [(year, _expected_events(year), _expected_events(year) is not None) for year in YEARS]
    assert _expected_events(2015) != _expected_events(2016)  # the flags follow each year's events

    lineage = load_lineage(root / "target" / "manifest.json", load_registry(root / REGISTRY))
    check(lineage)  # every published column still traces to a portal field, a seed or a constant
    names = tree_text(lineage, (f"marts.{FACT}", "ethnicity_key"))
    assert "<- seeds.ethnicity_aliases.ethnicity_key (seed)" in names
    assert f"<- socrata.{DATASET_ID} field `ethnicity`" in names
    upper = tree_text(lineage, (f"marts.{FACT}", "recipient_count_upper"))
    assert "<- staging.stg_socrata__town_ethnicity_annual.recipient_count  [bounded" in upper
    assert f"<- socrata.{DATASET_ID} field `people_served`" in upper
