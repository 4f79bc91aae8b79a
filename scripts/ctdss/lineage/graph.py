"""The traced lineage as a graph over columns, with the two properties the project promises of it.

- Complete: every column of every published table leads, edge by edge, to ends only: a portal field or
  metadata key ("dataset id, fieldName"), a value the loader writes, a seed column, or a constant.
- Masked: every column of a `rpt_` table whose value carries a published count (a path of value-carrying
  edges reaches a raw `count` role column) passes a `masked` edge on every such path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ctdss.deliver.publish import PUBLISHED_SCHEMAS
from ctdss.lineage.model import Edge, How, NodeType
from ctdss.lineage.project import Project

COUNT_ROLE = "count"
ENDS = frozenset({NodeType.PORTAL, NodeType.LOADER, NodeType.CONSTANT, NodeType.SEED})
Key = tuple[str, str]
PLAIN = {How.PASSED, How.RENAMED}


@dataclass
class Lineage:
    project: Project
    edges: list[Edge]

    def __post_init__(self) -> None:
        self.upstream: dict[Key, list[Edge]] = defaultdict(list)
        for edge in self.edges:
            self.upstream[(edge.model, edge.column)].append(edge)
        self._complete: dict[Key, bool] = {}
        self._unmasked: dict[Key, list[Key] | None] = {}

    # -- what is traced ----------------------------------------------------------------------------------------

    def columns(self, published_only: bool = False) -> list[Key]:
        return [(rel.label, column) for rel in self.project.relations.values()
                if rel.type is not NodeType.SEED and (not published_only or _published(rel.schema, rel.type))
                for column in rel.columns]

    def published_relations(self) -> list[str]:
        return sorted(r.label for r in self.project.relations.values() if _published(r.schema, r.type))

    def tree(self, key: Key, include_tested: bool = False, rows: dict[Key, str] | None = None) -> list:
        """The whole path of one column: each upstream edge with the tree of its upstream column.

        Edges that only decide a condition (`tested`) are left out unless asked for, or unless no column feeds
        the value itself (a flag computed from a comparison, a month name chosen by the month number).
        `rows` holds what is known of the rows at `key` (a fact's `where dataset_kind = ...`): union branches
        those rows cannot come from are left out. The checks do not prune: they hold on every branch.
        """
        rows = rows or {}
        edges = self.upstream.get(key, [])
        carried = [e for e in edges if How.TESTED not in e.how]
        from_columns = [e for e in carried if e.upstream_type is not NodeType.CONSTANT]
        shown = edges if include_tested or not from_columns else carried
        branches = []
        for edge in shown:
            if any(rows.get((edge.model, c), v) != v for c, v in edge.branch_condition):
                continue  # a union branch the rows at `key` cannot come from
            children = []
            if edge.upstream_key and edge.upstream_type not in ENDS:
                children = self.tree(edge.upstream_key, include_tested, self._upstream_rows(edge, rows))
            branches.append((edge, children))
        return branches

    def _upstream_rows(self, edge: Edge, rows: dict[Key, str]) -> dict[Key, str]:
        """What holds for the upstream rows of an edge: its where, and what held here, through plain references."""
        known = {(edge.upstream_model, column): value for column, value in edge.upstream_filter}
        for (model, column), value in rows.items():
            for plain in self.upstream.get((model, column), []):
                if plain.upstream_model == edge.upstream_model and set(plain.how) <= PLAIN:
                    known[(plain.upstream_model, plain.upstream_column)] = value
        return known

    # -- the checks --------------------------------------------------------------------------------------------

    def incomplete(self) -> list[Key]:
        """Published columns whose path does not reach an end on every branch."""
        return [key for key in self.columns(published_only=True) if not self._is_complete(key, ())]

    def unmasked_counts(self) -> dict[Key, list[Key]]:
        """Count-carrying columns of rpt_ tables with a path to a raw count that no mask sits on."""
        found = {}
        for key in self.columns(published_only=True):
            if key[0].split(".", 1)[1].startswith("rpt_"):
                path = self._unmasked_path(key)
                if path is not None:
                    found[key] = path
        return found

    def _is_complete(self, key: Key, seen: tuple[Key, ...]) -> bool:
        if key not in self._complete:
            edges = self.upstream.get(key, [])
            self._complete[key] = bool(edges) and key not in seen and all(
                e.upstream_type in ENDS or (e.upstream_key is not None and self._is_complete(e.upstream_key,
                                                                                         (*seen, key)))
                for e in edges)
        return self._complete[key]

    def _unmasked_path(self, key: Key) -> list[Key] | None:
        """A path of value edges from `key` to a raw count column with no masked edge on it, if there is one."""
        if key in self._unmasked:
            return self._unmasked[key]
        self._unmasked[key] = None  # a cycle finds no path
        for edge in self.upstream.get(key, []):
            if not edge.carries_value or How.MASKED in edge.how or edge.upstream_key is None:
                continue
            if edge.upstream_type is NodeType.SOURCE and edge.upstream_column == COUNT_ROLE:
                self._unmasked[key] = [key, edge.upstream_key]
                break
            rest = self._unmasked_path(edge.upstream_key)
            if rest is not None:
                self._unmasked[key] = [key, *rest]
                break
        return self._unmasked[key]


def _published(schema: str, node_type: NodeType) -> bool:
    return node_type is NodeType.MODEL and schema in PUBLISHED_SCHEMAS
