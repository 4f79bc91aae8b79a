"""The lineage as people read it: an indented tree for the terminal, a nested list for the docs site."""

from __future__ import annotations

from ctdss.lineage.graph import Key, Lineage
from ctdss.lineage.model import Edge, NodeType

DOCS_HEADING = "**Lineage** (generated from the compiled SQL by `ctdss lineage`):"


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


def tree_text(lineage: Lineage, key: Key, include_tested: bool = False) -> str:
    lines = [f"{key[0]}.{key[1]}"]

    def walk(branches: list, depth: int) -> None:
        for edge, children in branches:
            lines.append(f"{'  ' * depth}<- {upstream_text(edge)}  [{edge.how_text}]")
            walk(children, depth + 1)

    walk(lineage.tree(key, include_tested), 1)
    return "\n".join(lines)


def docs_markdown(lineage: Lineage, key: Key) -> str:
    lines = [DOCS_HEADING, ""]

    def walk(branches: list, depth: int) -> None:
        for edge, children in branches:
            lines.append(f"{'  ' * depth}- {edge.how_text} from {_md(upstream_text(edge))}")
            walk(children, depth + 1)

    walk(lineage.tree(key), 0)
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("*", "\\*").replace("_", "\\_") if "`" not in text else text
