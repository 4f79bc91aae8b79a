"""The lineage as people read it: an indented tree for the terminal, a nested list for the docs site."""

from __future__ import annotations

from ctdss.lineage.graph import Key, Lineage
from ctdss.lineage.model import Edge, NodeType

# Plain text that reads the same in the docs site's column table (shown raw) and its column detail (rendered
# as markdown, where the indented lines become a nested list). Underscores inside names are left alone: GFM
# does not emphasise inside words.
DOCS_HEADING = "Lineage, generated from the compiled SQL by `ctdss lineage`:"


def upstream_text(edge: Edge) -> str:
    if edge.upstream_type is NodeType.CONSTANT:
        where = f" ({edge.upstream_model})" if edge.upstream_model else ""
        return f"constant {edge.constant_value}{where}"
    if edge.upstream_type is NodeType.PORTAL:
        return f"{edge.upstream_model} field `{edge.upstream_column}`"
    if edge.upstream_type is NodeType.LOADER:
        return f"{edge.upstream_column} written by `{edge.upstream_model}`"
    suffix = " (seed)" if edge.upstream_type is NodeType.SEED else ""
    return f"{edge.upstream_model}.{edge.upstream_column}{suffix}"


def _where(edge: Edge) -> str:
    condition = Edge.condition_text(edge.upstream_filter)
    return f" (rows where {condition})" if condition else ""


def tree_text(lineage: Lineage, key: Key, include_tested: bool = False) -> str:
    lines = [f"{key[0]}.{key[1]}"]

    def walk(branches: list, depth: int) -> None:
        for edge, children in branches:
            lines.append(f"{'  ' * depth}<- {upstream_text(edge)}  [{edge.how_text}]{_where(edge)}")
            walk(children, depth + 1)

    walk(lineage.tree(key, include_tested), 1)
    return "\n".join(lines)


def docs_markdown(lineage: Lineage, key: Key) -> str:
    lines = [DOCS_HEADING, ""]

    def walk(branches: list, depth: int) -> None:
        for edge, children in branches:
            lines.append(f"{'  ' * depth}- {edge.how_text} from {upstream_text(edge)}{_where(edge)}")
            walk(children, depth + 1)

    walk(lineage.tree(key), 0)
    return "\n".join(lines)
