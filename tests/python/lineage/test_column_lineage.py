"""Column lineage on the built sample: the published table, its two promises, the tree, the docs and a bypass.

The checks read `marts.column_lineage` as the step wrote it and walk it here, independently of the step's own
graph code: every column of every published table has a complete path, and every count an rpt_ table carries
passes a `masked` step on every path.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from support.warehouse_fixtures import REPO, BuiltWarehouse

from ctdss.deliver import publish as publishing
from ctdss.lineage import LineageError, check, load_lineage
from ctdss.lineage.render import DOCS_HEADING

pytestmark = pytest.mark.slow

ENDS = {"portal", "loader", "constant", "seed"}
NOT_THE_DBT_PROJECT = {"marts.column_lineage"}  # written by the lineage step itself
EXAMPLE = "reporting.rpt_town_participation_by_region.recipient_count_upper"


def _ctdss(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).with_name("ctdss")), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def traced(built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built warehouse with `ctdss lineage` run on it (the shared warehouse stays untouched)."""
    db = tmp_path_factory.mktemp("lineage") / "ct_dss.duckdb"
    shutil.copy(built_warehouse.db, db)
    result = _ctdss("lineage", "--manifest", str(built_warehouse.target / "manifest.json"), "--db", str(db),
                    env=built_warehouse.env)
    assert result.returncode == 0, result.stderr
    assert "Traced" in result.stdout
    return db


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def upstream(traced: Path) -> dict[tuple[str, str], list[tuple]]:
    graph = defaultdict(list)
    for model, column, up_model, up_column, up_type, how in _rows(
        traced, "select model, column_name, upstream_model, upstream_column, upstream_type, how "
                "from marts.column_lineage"
    ):
        graph[(model, column)].append((up_model, up_column, up_type, how.split(", ")))
    return graph


def _published_columns(db: Path) -> list[tuple[str, str]]:
    return [(f"{s}.{t}", c) for s, t, c in _rows(
        db, "select schema_name, table_name, column_name from duckdb_columns() "
            "where schema_name in ('marts', 'reporting') order by all")
            if f"{s}.{t}" not in NOT_THE_DBT_PROJECT]


def test_the_step_keeps_a_lineage_traced_from_the_same_code_and_traces_again_for_another(
        traced: Path, built_warehouse: BuiltWarehouse, tmp_path: Path):
    db = tmp_path / "ct_dss.duckdb"
    shutil.copy(traced, db)
    manifest = ["--manifest", str(built_warehouse.target / "manifest.json"), "--db", str(db)]
    edges = "select * from marts.column_lineage order by all"
    before = _rows(db, edges)
    kept = _ctdss("lineage", *manifest, env=built_warehouse.env)
    assert kept.returncode == 0, kept.stderr
    assert "traced from the same code" in kept.stdout and "Traced" not in kept.stdout
    assert _rows(db, edges) == before
    # A registry with one more line is another input: the step traces again, and then keeps that lineage.
    registry = tmp_path / "registry.yml"
    registry.write_text((REPO / "models" / "staging" / "socrata" / "_socrata__sources.yml").read_text() + "\n# x\n")
    env = {**built_warehouse.env, "CTDSS_REGISTRY": str(registry)}
    for expected in ("Traced", "traced from the same code"):
        again = _ctdss("lineage", *manifest, env=env)
        assert again.returncode == 0, again.stderr
        assert expected in again.stdout
    assert _rows(db, edges) == before


def test_an_unreadable_manifest_is_refused_in_one_paragraph_and_the_table_stays(
        traced: Path, built_warehouse: BuiltWarehouse, tmp_path: Path):
    db = tmp_path / "ct_dss.duckdb"
    shutil.copy(traced, db)
    before = _rows(db, "select * from marts.column_lineage order by all")
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    for manifest in (tmp_path / "manifest.json", tmp_path / "missing.json"):
        refused = _ctdss("lineage", "--manifest", str(manifest), "--db", str(db), env=built_warehouse.env)
        message = " ".join(refused.stderr.split())  # the paragraph, as wrapped to the terminal, on one line
        assert refused.returncode == 2
        assert message.startswith(f"ctdss: Cannot read dbt's manifest {manifest}")
        assert "Traceback" not in message and "run `dbt build`" in message
    assert _rows(db, "select * from marts.column_lineage order by all") == before


def test_the_step_writes_one_described_row_per_edge(traced: Path):
    (rows,) = _rows(traced, "select count(*) from marts.column_lineage")[0]
    assert rows > 300
    comments = _rows(traced, "select column_name, comment from duckdb_columns() "
                             "where table_name = 'column_lineage'")
    assert {c for c, _ in comments} >= {"model", "column_name", "upstream_model", "upstream_column", "how"}
    assert all(comment for _, comment in comments)


def test_every_column_of_every_published_table_has_a_complete_path(traced: Path, upstream):
    def complete(key, seen=()) -> bool:
        edges = upstream.get(key)
        return bool(edges) and key not in seen and all(
            up_type in ENDS or complete((m, c), (*seen, key)) for m, c, up_type, _ in edges)

    columns = _published_columns(traced)
    assert len(columns) > 100
    assert [f"{m}.{c}" for m, c in columns if not complete((m, c))] == []


def _unmasked_path(upstream, key, seen=()) -> list | None:
    """A path of value-carrying edges from `key` to a raw count column with no `masked` step, if any."""
    for model, column, up_type, how in upstream.get(key, []):
        if {"tested", "constant"} & set(how) or "masked" in how or model is None or (model, column) in seen:
            continue
        if up_type == "source" and column == "count":
            return [key, (model, column)]
        rest = _unmasked_path(upstream, (model, column), (*seen, key))
        if rest:
            return [key, *rest]
    return None


def _carries_count(upstream, key, seen=()) -> bool:
    return any(
        (up_type == "source" and column == "count") or _carries_count(upstream, (model, column), (*seen, key))
        for model, column, up_type, how in upstream.get(key, [])
        if not {"tested", "constant"} & set(how) and model is not None and (model, column) not in seen
    )


def test_every_count_an_rpt_table_carries_passes_a_mask(traced: Path, upstream):
    reports = [key for key in _published_columns(traced) if key[0].startswith("reporting.rpt_")]
    counts = {f"{m}.{c}" for m, c in reports if _carries_count(upstream, (m, c))}
    assert {EXAMPLE, "reporting.rpt_program_family_trends_by_month.enrolments_yoy_change"} <= counts
    assert "reporting.rpt_town_participation_by_region.town_count" not in counts  # towns, not recipients
    unmasked = {f"{m}.{c}" for m, c in reports if _unmasked_path(upstream, (m, c))}
    assert unmasked == set()


def test_the_facts_carry_counts_without_a_mask(upstream):
    """The same walk finds the unmasked paths where they exist: the facts are not suppressed."""
    path = _unmasked_path(upstream, ("marts.fct_town_program_participation_annual", "recipient_count_upper"))
    assert path is not None and path[-1][0].startswith("raw.") and path[-1][1] == "count"


def test_the_column_tree_runs_from_the_report_to_the_portal_fields(built_warehouse: BuiltWarehouse):
    result = _ctdss("lineage", "--manifest", str(built_warehouse.target / "manifest.json"), "--column", EXAMPLE)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == EXAMPLE
    assert "<- intermediate.int_town_program_annual_rolled_up_by_geography.recipient_count_upper" in lines[1]
    assert "masked" in lines[1]
    assert "<- marts.fct_town_program_participation_annual.recipient_count_upper" in lines[2]
    assert "aggregated" in lines[2]
    assert any("bounded" in line for line in lines)
    # both township series feed the town fact: the per-year datasets and the multi-year one
    assert any("socrata.gjf6-ig4b field `count`" in line for line in lines)
    assert any("socrata.5z8s-84ru field" in line for line in lines)
    indents = [len(line) - len(line.lstrip()) for line in lines[1:]]
    assert max(indents) > indents[0]


def test_an_unknown_column_is_refused_with_the_form_to_use(built_warehouse: BuiltWarehouse):
    result = _ctdss("lineage", "--manifest", str(built_warehouse.target / "manifest.json"), "--column", "rpt_x.y")
    assert result.returncode == 2
    assert "schema.model.column" in result.stderr


def test_publish_copies_the_lineage_to_the_published_file_and_exports(traced: Path, tmp_path: Path):
    published = publishing.publish(traced, tmp_path / "ct_dss.duckdb", tmp_path / "exports")
    assert published.tables["marts.column_lineage"] == _rows(traced, "select count(*) from marts.column_lineage")[0][0]
    manifest = json.loads((tmp_path / "exports" / "manifest.json").read_text())
    assert "marts.column_lineage" in {t["name"] for t in manifest["tables"]}


@pytest.fixture(scope="module")
def docs_target(built_warehouse: BuiltWarehouse, generated_docs, traced: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dbt docs generate --static` (the session's run) then `ctdss lineage --docs`, as `make docs` runs them; the
    lineage step rewrites the generated files, so it works on a copy of them in a target of its own."""
    target = tmp_path_factory.mktemp("docs") / "target"
    target.mkdir()
    for name in ("manifest.json", "catalog.json", "static_index.html"):
        shutil.copy(built_warehouse.target / name, target / name)
    result = _ctdss("lineage", "--manifest", str(target / "manifest.json"), "--db", str(traced), "--docs",
                    env=built_warehouse.env)
    assert result.returncode == 0, result.stderr
    return target


def test_the_docs_site_ends_each_published_column_with_its_path(docs_target: Path):
    page = (docs_target / "static_index.html").read_text()
    manifest = json.loads((docs_target / "manifest.json").read_text())
    published = {f"{n['schema']}.{n['alias']}": n for n in manifest["nodes"].values()
                 if n["resource_type"] == "model" and n["schema"] in ("marts", "reporting")}
    assert len(published) >= 10
    missing = []
    for name, node in published.items():
        for column, doc in node["columns"].items():
            description = doc["description"]
            head, _, path = description.partition(DOCS_HEADING)
            if not head.strip() or not path.strip().startswith("- ") or json.dumps(description)[1:-1] not in page:
                missing.append(f"{name}.{column}")
    assert missing == []
    example = published["reporting.rpt_town_participation_by_region"]["columns"]["recipient_count_upper"]
    assert "masked" in example["description"] and "socrata.gjf6-ig4b field `count`" in example["description"]


def test_the_docs_page_of_a_report_shows_the_paths_in_the_browser(docs_target: Path):
    from support.browser import dump_dom, serve

    with serve(docs_target) as base:
        dom = dump_dom(f"{base}/static_index.html#!/model/model.ctdss.rpt_town_participation_by_region")
    assert "rpt_town_participation_by_region" in dom
    assert "Lineage" in dom and "generated from the compiled SQL" in dom
    assert "socrata.gjf6-ig4b field" in dom


def test_a_model_that_bypasses_the_mask_on_one_column_fails_the_check(tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(REPO, project, ignore=_top_level(".venv", ".git", "target", "logs", "warehouse", "data", "tests",
                                                     "docs", "scripts"))
    model = project / "models" / "marts" / "reporting" / "rpt_town_participation_by_region.sql"
    masked = re.compile(r"\{\{ masked_bounds\(\s*'suppression_result.recipient_count',.*?\) \}\}", re.DOTALL)
    sql = model.read_text()
    assert len(masked.findall(sql)) == 1
    # the same three columns, with the mask left off the upper bound
    bypassed = ("cast({{ mask_if_suppressed('suppression_result.recipient_count') }} as bigint) as recipient_count, "
                "cast({{ mask_if_suppressed('suppression_result.recipient_count_lower') }} as bigint) "
                "as recipient_count_lower, suppression_result.recipient_count_upper")
    model.write_text(masked.sub(lambda _: bypassed, sql))
    env = {**_env(tmp_path), "DBT_PROFILES_DIR": str(project)}
    compiled = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "compile", "--select", "resource_type:model",
         "resource_type:snapshot", "--target-path", str(tmp_path / "target")],
        cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    lineage = load_lineage(tmp_path / "target" / "manifest.json")
    with pytest.raises(LineageError, match=r"reporting\.rpt_town_participation_by_region\.recipient_count_upper"):
        check(lineage)
    assert list(lineage.unmasked_counts()) == [("reporting.rpt_town_participation_by_region",
                                                "recipient_count_upper")]


def _top_level(*names: str):
    """A copytree filter that leaves out these entries of the repository's top folder only."""
    return lambda folder, entries: [e for e in entries if Path(folder) == REPO and e in names]


def _env(tmp_path: Path) -> dict[str, str]:
    import os

    return {**os.environ, "CTDSS_DB": str(tmp_path / "ct_dss.duckdb"), "DBT_LOG_PATH": str(tmp_path / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
