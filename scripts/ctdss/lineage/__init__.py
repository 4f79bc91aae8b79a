"""Column-level lineage from the project's own compiled SQL: every column traced to the Socrata field it comes from.

`run()` reads dbt's manifest (project), traces every model and snapshot with sqlglot (resolve, shapes, trace),
links the raw tables to the portal through the registry (portal), checks the graph (graph), writes
`marts.column_lineage` (store) and, when asked, appends each published column's path to its description in the
generated docs site (docs). A column that cannot be traced fails the step naming the model and the column. A
table traced from the same inputs (inputs: the project as parsed, the registry, the tracer) is kept as it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ctdss.lineage.graph import Lineage
from ctdss.lineage.model import LineageError
from ctdss.lineage.project import load_manifest, read_project
from ctdss.lineage.trace import trace_project
from ctdss.registry import Registry, load_registry

__all__ = ["KeptResult", "Lineage", "LineageError", "StepResult", "check", "find_column", "load_lineage", "run"]


@dataclass(frozen=True)
class StepResult:
    lineage: Lineage
    seconds: float

    def __str__(self) -> str:
        published = self.lineage.columns(published_only=True)
        return (f"Traced {len(self.lineage.columns())} columns ({len(published)} published) and "
                f"{len(self.lineage.edges)} edges in {self.seconds:.1f} s; every published column reaches the "
                f"portal, a seed or a constant, and every published count passes a mask.")


def load_lineage(manifest: Path, registry: Registry | None = None) -> Lineage:
    registry = registry or load_registry()
    return _traced(load_manifest(manifest), manifest, registry)


def _traced(document: dict, manifest: Path, registry: Registry) -> Lineage:
    project = read_project(document, manifest, registry)
    return Lineage(project, trace_project(project, registry))


def check(lineage: Lineage) -> None:
    """Fail, naming the columns, when a published column's path is incomplete or a published count is unmasked."""
    incomplete = lineage.incomplete()
    if incomplete:
        names = ", ".join(f"{m}.{c}" for m, c in incomplete[:10])
        raise LineageError(
            f"{len(incomplete)} published column(s) have no complete path to a portal field, seed or constant: "
            f"{names}. Run `ctdss lineage --column <one of them>` to see where the path stops."
        )
    unmasked = lineage.unmasked_counts()
    if unmasked:
        paths = "; ".join(" <- ".join(f"{m}.{c}" for m, c in path) for path in list(unmasked.values())[:5])
        raise LineageError(
            f"{len(unmasked)} count-carrying column(s) of rpt_ tables reach a published count without passing "
            f"the suppression mask: {paths}. Publish them through mask_if_suppressed() on the is_suppressed flag "
            f"of a suppression_result step."
        )


@dataclass(frozen=True)
class KeptResult:
    db: Path
    seconds: float

    def __str__(self) -> str:
        return (f"The lineage in {self.db} (marts.column_lineage) was traced from the same code (the project as "
                f"dbt parsed it, the registry and the tracer), so it is kept as it is ({self.seconds:.1f} s). "
                f"`ctdss lineage --again` traces it anew.")


def run(manifest: Path, db: Path | None, keep_current: bool = False) -> StepResult | KeptResult:
    """Trace the lineage of the compiled project and check it; write it into `db`. With `keep_current`, a table
    in `db` traced from the same inputs is kept instead: the lineage follows from the code, never the data."""
    from ctdss.lineage import store
    from ctdss.lineage.inputs import traced_inputs

    started = time.perf_counter()
    registry, document = load_registry(), load_manifest(manifest)
    inputs = traced_inputs(document, registry)
    if keep_current and db is not None and store.traced_from(db) == inputs:
        return KeptResult(db, time.perf_counter() - started)
    lineage = _traced(document, manifest, registry)
    check(lineage)
    if db is not None:
        store.write_table(db, lineage.edges, inputs)
    return StepResult(lineage, time.perf_counter() - started)


def find_column(lineage: Lineage, name: str) -> tuple[str, str]:
    """`schema.model.column` or `model.column`, as a traced column, or an error listing what to write."""
    relation_name, _, column = name.rpartition(".")
    for model, traced in lineage.columns():
        if traced == column and relation_name in (model, model.split(".", 1)[1]):
            return (model, traced)
    raise LineageError(
        f"No traced column `{name}`. Name it as schema.model.column, for example "
        f"reporting.rpt_town_participation_by_region.recipient_count_upper (the schemas are those of the "
        f"warehouse: staging, intermediate, marts, reporting, snapshots, raw)."
    )
