"""Trace the whole project: every column of every model, seed, snapshot and source, one level up at a time."""

from __future__ import annotations

from ctdss.lineage import portal
from ctdss.lineage.model import Edge, How, LineageError, NodeType
from ctdss.lineage.project import SNAPSHOT_META_COLUMNS, Project, Relation
from ctdss.lineage.resolve import Hit, ModelTracer, Schema
from ctdss.registry import Registry

# Labels after which an edge is no longer a plain rename of its upstream column.
TRANSFORMING = frozenset({How.COMPUTED, How.AGGREGATED, How.TESTED, How.NORMALISED, How.CONSTANT})


def trace_project(project: Project, registry: Registry) -> list[Edge]:
    schema: Schema = {}
    tables = project.by_key()
    edges: list[Edge] = []
    for relation in project.ordered():
        if relation.type is NodeType.SOURCE:
            edges += portal.source_edges(relation, registry)
        elif relation.type in (NodeType.MODEL, NodeType.SNAPSHOT):
            if relation.declared:  # what {{ this }} has, for an incremental model; an undocumented model has
                _add(schema, relation, relation.declared)  # none, and sqlglot refuses a table without columns
            tracer = ModelTracer(relation, schema, tables)
            relation.columns = tracer.columns()
            hits = {column: tracer.trace(column) for column in relation.columns}
            # A union branch's literal columns say which rows an edge feeds only where the model publishes
            # them as such: output columns that are nothing but constants (dataset_kind).
            labels = {c for c, column_hits in hits.items() if all(h.relation is None for h in column_hits)}
            for column, column_hits in hits.items():
                edges += column_edges(relation, column, column_hits, labels)
            if relation.type is NodeType.SNAPSHOT:
                edges += snapshot_edges(relation)
                relation.columns += list(SNAPSHOT_META_COLUMNS)
        _add(schema, relation, relation.columns)
    return edges


def _add(schema: Schema, relation: Relation, columns: list[str]) -> None:
    database, name_schema, name = relation.key
    schema.setdefault(database, {}).setdefault(name_schema, {})[name] = {c: "unknown" for c in columns}


def column_edges(relation: Relation, column: str, hits: tuple[Hit, ...],
                 labels: set[str] | frozenset[str] = frozenset()) -> list[Edge]:
    """One edge per distinct way an upstream column feeds `column`.

    A column that only decides a condition (a mask's flag, a case's test) gets one `tested` edge, whatever the
    steps in between, and none when it also feeds the value itself; constants that only decide a condition
    are left out.
    """
    carried = {(h.relation.unique_id, h.column) for h in hits if h.relation and How.TESTED not in h.how}
    edges: list[Edge] = []
    for hit in hits:
        tested = How.TESTED in hit.how
        branch = tuple((c, v) for c, v in hit.branch if c in labels)
        if hit.relation is None:
            if not tested:
                edges.append(Edge(relation.label, column, relation.type, None, None, NodeType.CONSTANT, hit.how,
                                  hit.constant, branch_condition=branch))
            continue
        if tested and (hit.relation.unique_id, hit.column) in carried:
            continue  # the same column also feeds the value itself; that edge says more
        how = (How.TESTED,) if tested else hit.how
        if not TRANSFORMING & set(how) and hit.column != column:
            how = (*how, How.RENAMED)
        edges.append(Edge(relation.label, column, relation.type, hit.relation.label, hit.column, hit.relation.type,
                          how or (How.PASSED,), upstream_filter=hit.filters, branch_condition=branch))
    return list(dict.fromkeys(edges))


def snapshot_edges(relation: Relation) -> list[Edge]:
    """dbt's snapshot columns (a manual rule: dbt's materialisation, not the compiled SQL, computes them)."""
    config = relation.config
    keys = config.get("unique_key") or []
    keys = [keys] if isinstance(keys, str) else list(keys)
    updated_at = config.get("updated_at") if config.get("strategy") == "timestamp" else None
    edges = []
    for column in SNAPSHOT_META_COLUMNS:
        sources = [*keys, updated_at] if column == "dbt_scd_id" else [updated_at]
        sources = [s for s in sources if s]
        for source in sources:
            if source not in relation.columns:
                raise LineageError(f"The snapshot {relation.label} keys on `{source}`, which its select lacks.")
            edges.append(Edge(relation.label, column, relation.type, relation.label, source, relation.type,
                              (How.COMPUTED,)))
        if not updated_at:  # the check strategy stamps each version with the time of the build
            edges.append(Edge(relation.label, column, relation.type, None, None, NodeType.CONSTANT,
                              (How.CONSTANT,), "the snapshot build's time (set by dbt)"))
    return edges
