"""Every model, seed, snapshot and column is described, models open with their grain, docs build cleanly."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from support.warehouse_fixtures import BuiltWarehouse

pytestmark = pytest.mark.slow

DOCUMENTED = ("model", "seed", "snapshot")


@pytest.fixture(scope="module")
def docs(built_warehouse: BuiltWarehouse, generated_docs) -> dict[str, Any]:
    """`dbt docs generate` on the built sample warehouse (the session's run); its output, manifest and catalog."""
    return {
        "output": generated_docs.stdout + generated_docs.stderr,
        "manifest": json.loads((built_warehouse.target / "manifest.json").read_text()),
        "catalog": json.loads((built_warehouse.target / "catalog.json").read_text()),
    }


def _ours(manifest: dict[str, Any], node: dict[str, Any]) -> bool:
    return node["package_name"] == manifest["metadata"]["project_name"]


def _project_nodes(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in DOCUMENTED and _ours(manifest, node)
    }


def test_docs_generate_runs_with_no_warnings(docs: dict[str, Any]):
    lines = [line for line in docs["output"].splitlines() if re.search(r"warn|deprecat", line, re.IGNORECASE)]
    assert lines == []


def test_every_model_seed_and_snapshot_has_a_description(docs: dict[str, Any]):
    nodes = _project_nodes(docs["manifest"])
    assert {n["resource_type"] for n in nodes.values()} == set(DOCUMENTED)
    missing = sorted(uid for uid, node in nodes.items() if not node["description"].strip())
    assert missing == []


def test_every_model_description_opens_with_its_grain(docs: dict[str, Any]):
    nodes = _project_nodes(docs["manifest"])
    wrong = sorted(
        uid
        for uid, node in nodes.items()
        if node["resource_type"] in ("model", "snapshot")
        and not node["description"].startswith("One row per ")
    )
    assert wrong == []


def test_every_column_in_the_catalog_or_a_contract_is_described(docs: dict[str, Any]):
    manifest, catalog = docs["manifest"], docs["catalog"]
    nodes = _project_nodes(manifest)
    undescribed = []
    for uid, node in nodes.items():
        described = {
            name.lower(): (col.get("description") or "").strip() for name, col in node["columns"].items()
        }
        in_catalog = {name.lower() for name in catalog["nodes"].get(uid, {}).get("columns", {})}
        assert in_catalog, f"{uid} is missing from the catalog"
        in_contract = set(described) if node.get("config", {}).get("contract", {}).get("enforced") else set()
        for column in sorted(in_catalog | in_contract):
            if not described.get(column):
                undescribed.append(f"{uid}.{column}")
    assert undescribed == []


def test_sources_and_their_columns_are_described(docs: dict[str, Any]):
    manifest = docs["manifest"]
    sources = [s for s in manifest["sources"].values() if _ours(manifest, s)]
    assert sources
    for source in sources:
        assert source["description"].strip(), source["unique_id"]
        # every kind's role columns are documented (each kind has a count; which other roles depends on the kind)
        required = set(source["config"]["meta"]["required_roles"])
        assert "count" in required and required <= set(source["columns"]), source["unique_id"]
        assert all(col["description"].strip() for col in source["columns"].values()), source["unique_id"]


def test_the_overview_states_the_caveats(docs: dict[str, Any]):
    overview = next(
        d["block_contents"]
        for d in docs["manifest"]["docs"].values()
        if d["name"] == "__overview__" and d["package_name"] == docs["manifest"]["metadata"]["project_name"]
    )
    for phrase in ("0 means 0 to 4", "not additive", "revised", "Methodology breaks", "synthetic"):
        assert phrase in overview, phrase


def test_exposures_name_the_real_consumers(docs: dict[str, Any]):
    exposures = {e["name"]: e for e in docs["manifest"]["exposures"].values()}
    assert {"published_warehouse_file", "parquet_and_csv_exports", "participation_report"} <= set(exposures)
    for exposure in exposures.values():
        assert exposure["description"].strip() and exposure["depends_on"]["nodes"]
