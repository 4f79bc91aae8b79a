"""The project as dbt compiled it: every model, seed, snapshot and source, read from dbt's manifest.json.

Only the manifest is read (and the seed files' header rows), never the warehouse, so lineage can be traced for
any compiled copy of the project. A relation is named `schema.name` as it is published (`reporting.rpt_...`).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from ctdss.lineage.model import LineageError, NodeType
from ctdss.registry import Registry

# The columns dbt's snapshot materialisation adds to the snapshotted select.
SNAPSHOT_META_COLUMNS = ("dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to")
RESOURCE_TYPES = {"model": NodeType.MODEL, "seed": NodeType.SEED, "snapshot": NodeType.SNAPSHOT}


@dataclass(eq=False)  # compared and hashed by identity: one object per relation
class Relation:
    unique_id: str
    type: NodeType
    database: str
    schema: str
    name: str
    sql: str | None = None  # compiled SQL of a model or snapshot
    columns: list[str] = field(default_factory=list)  # known up front for seeds and sources; traced for the rest
    declared: list[str] = field(default_factory=list)  # the columns its YAML documents (what {{ this }} has)
    depends_on: list[str] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    kind: str | None = None  # the registry kind of a source table

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.database.lower(), self.schema.lower(), self.name.lower())


@dataclass
class Project:
    relations: dict[str, Relation]  # by unique_id

    def ordered(self) -> list[Relation]:
        """Every relation after the ones it reads from."""
        graph = {uid: [d for d in rel.depends_on if d in self.relations] for uid, rel in self.relations.items()}
        try:
            return [self.relations[uid] for uid in TopologicalSorter(graph).static_order()]
        except CycleError as exc:
            raise LineageError(f"The manifest's models depend on each other in a cycle ({exc.args[1]}).") from None

    def by_key(self) -> dict[tuple[str, str, str], Relation]:
        return {rel.key: rel for rel in self.relations.values()}


def load_manifest(manifest_path: Path) -> dict:
    try:
        return json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LineageError(
            f"Cannot read dbt's manifest {manifest_path} ({exc}). Lineage is traced from the compiled project: run "
            f"`dbt build` (or `dbt compile`) first, as `make demo` does."
        ) from None


def read_project(manifest: dict, manifest_path: Path, registry: Registry) -> Project:
    """The project of `manifest` (read from `manifest_path`, which errors name)."""
    project_name = manifest["metadata"]["project_name"]
    relations: dict[str, Relation] = {}
    for uid, node in manifest["nodes"].items():
        kind = RESOURCE_TYPES.get(node["resource_type"])
        if kind is None or node["package_name"] != project_name:
            continue
        rel = _relation(uid, kind, node)
        if kind is NodeType.SEED:
            rel.columns = _seed_columns(Path(node["root_path"]) / node["original_file_path"])
        elif not node.get("compiled_code"):
            raise LineageError(
                f"{rel.label} ({uid}) has no compiled SQL in {manifest_path}: the manifest comes from a run that "
                f"did not compile it. Run `dbt compile` (or a full `dbt build`) and trace the lineage again."
            )
        else:
            rel.sql = node["compiled_code"]
        relations[uid] = rel
    for uid, node in manifest["sources"].items():
        if node["package_name"] != project_name:
            continue
        rel = _relation(uid, NodeType.SOURCE, node)
        rel.kind = node["name"]
        rel.columns = _source_columns(node, registry)
        relations[uid] = rel
    return Project(relations=relations)


def _relation(uid: str, kind: NodeType, node: dict) -> Relation:
    return Relation(
        unique_id=uid,
        type=kind,
        database=node["database"],
        schema=node["schema"],
        name=node.get("alias") or node.get("identifier") or node["name"],
        depends_on=list((node.get("depends_on") or {}).get("nodes") or []),
        declared=[c.lower() for c in node.get("columns") or {}],
        config=node.get("config") or {},
    )


def _seed_columns(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [name.strip().lower() for name in next(csv.reader(handle))]


def _source_columns(node: dict, registry: Registry) -> list[str]:
    """A raw table's columns: the kind's roles and the loader's provenance columns, plus any documented one."""
    from ctdss.load.contract import PROVENANCE

    columns = list(node.get("columns") or {})
    kinds = {kind.name: kind for kind in registry.kinds}
    if node["name"] in kinds:  # an unregistered raw table fails later, in portal.source_edges, with the fix
        columns += list(kinds[node["name"]].roles)
    columns += [name for name, _ in PROVENANCE]
    return list(dict.fromkeys(c.lower() for c in columns))
