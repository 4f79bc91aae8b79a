"""The vocabulary of column lineage: how a column is computed from another, and one edge of the graph."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ctdss.errors import UserError


class How(StrEnum):
    """How a column is computed from one upstream column (an edge carries every label on its way, in order)."""

    PASSED = "passed"  # the same value under the same name
    RENAMED = "renamed"  # the same value under another name
    CAST = "cast"  # converted to another type (cast, try_cast)
    NORMALISED = "normalised"  # a name looked up in a seed by its case-folded spelling (the alias seeds)
    BOUNDED = "bounded"  # a published 0 replaced by the upper bound of the range it stands for (0 becomes 0-4)
    AGGREGATED = "aggregated"  # summed, counted, or otherwise combined over rows
    COMPUTED = "computed"  # any other expression of the value (arithmetic, coalesce, string functions, lag)
    MASKED = "masked"  # nulled where the suppression macros flag the cell (mask_if_suppressed)
    TESTED = "tested"  # only a condition on the upstream value decides the column; the value is not carried
    CONSTANT = "constant"  # a literal, or a value the SQL generates (count(*), row_number())
    LANDED = "landed"  # a raw column the loader fills from a portal field or the portal's metadata


class NodeType(StrEnum):
    """What an end of an edge is."""

    MODEL = "model"
    SEED = "seed"
    SNAPSHOT = "snapshot"
    SOURCE = "source"
    PORTAL = "portal"  # a Socrata dataset: the column is a fieldName or a metadata key
    LOADER = "loader"  # a value the loader writes itself (load id, load time)
    CONSTANT = "constant"


# Labels after which the output no longer carries the upstream value itself.
NOT_CARRIED = frozenset({How.TESTED, How.CONSTANT})


@dataclass(frozen=True)
class Edge:
    """`model.column` is computed from `upstream_model.upstream_column` as `how` says (upstream labels first)."""

    model: str
    column: str
    model_type: NodeType
    upstream_model: str | None
    upstream_column: str | None
    upstream_type: NodeType
    how: tuple[How, ...]
    constant_value: str | None = None
    # `column = literal` pairs: a where on the upstream rows the edge reads; the union branch of `model` it is in
    upstream_filter: tuple[tuple[str, str], ...] = ()
    branch_condition: tuple[tuple[str, str], ...] = ()

    @property
    def carries_value(self) -> bool:
        return not NOT_CARRIED & set(self.how)

    @property
    def upstream_key(self) -> tuple[str, str] | None:
        if self.upstream_model is None or self.upstream_column is None:
            return None
        return (self.upstream_model, self.upstream_column)

    @property
    def how_text(self) -> str:
        return ", ".join(self.how)

    @staticmethod
    def condition_text(condition: tuple[tuple[str, str], ...]) -> str | None:
        return " and ".join(f"{column} = {value}" for column, value in condition) or None


class LineageError(UserError):
    """A column the lineage step cannot resolve; the message names the model and the column."""
