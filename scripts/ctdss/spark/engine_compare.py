"""Compares every mart and reporting table of two engines' builds of the same data, row for row.

The tables come from the dbt manifest (every model under models/marts/, the reporting models included), so a
new mart is compared without a change here. Rows are matched on the table's grain, read from its uniqueness
test (`unique_combination`, else a `unique` column), and ordered by it. Integers, text, booleans, dates and
timestamps must be equal; decimals and floats may differ by at most 1e-9. Any difference names the table, the
key and both values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ctdss.errors import UserError
from ctdss.spark.table_readers import Row, TableReader

TOLERANCE = Decimal("1e-9")
MAX_SHOWN = 20


@dataclass(frozen=True)
class MartTable:
    unique_id: str
    schema: str
    name: str
    key: tuple[str, ...]

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class TableResult:
    table: MartTable
    rows: int = 0
    differences: list[str] = field(default_factory=list)


def _grain(manifest: dict, unique_id: str) -> tuple[str, ...]:
    """The key columns of a model, from its uniqueness tests; empty when it has none."""
    single: tuple[str, ...] = ()
    for node in manifest["nodes"].values():
        if node.get("resource_type") != "test" or node.get("attached_node") != unique_id:
            continue
        meta = node.get("test_metadata") or {}
        kwargs = meta.get("kwargs") or {}
        if meta.get("name") == "unique_combination":
            return tuple(kwargs["combination_of_columns"])
        if meta.get("name") == "unique" and kwargs.get("column_name"):
            single = (kwargs["column_name"],)
    return single


def mart_tables(manifest_path: Path, run_results_path: Path) -> tuple[list[MartTable], list[str]]:
    """The mart and reporting tables the build produced, and those it did not build (excluded)."""
    try:
        manifest = json.loads(Path(manifest_path).read_text())
        results = json.loads(Path(run_results_path).read_text())
    except FileNotFoundError as exc:
        raise UserError(f"Cannot compare: {exc.filename} is missing. Run the dbt build that writes it first.") from None
    built = {r["unique_id"] for r in results["results"] if r["status"] == "success"}
    tables, excluded = [], []
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "model" or node["fqn"][1:2] != ["marts"]:
            continue
        if unique_id not in built:
            excluded.append(f"{node['schema']}.{node['alias']}")
            continue
        tables.append(MartTable(unique_id, node["schema"], node["alias"], _grain(manifest, unique_id)))
    return tables, excluded


def _same(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    numeric = (int, float, Decimal)
    if isinstance(left, bool) or isinstance(right, bool) or not isinstance(left, numeric):
        return type(left) is type(right) and left == right
    if isinstance(left, int) and isinstance(right, int):
        return left == right
    if not isinstance(right, numeric):
        return False
    return abs(Decimal(str(left)) - Decimal(str(right))) <= TOLERANCE


def _sort_key(values: tuple) -> tuple:
    return tuple((v is None, str(v)) for v in values)


def _by_key(columns: list[str], rows: list[Row], key: tuple[str, ...]) -> dict[tuple, list[Row]]:
    positions = [columns.index(c) for c in key] if key else list(range(len(columns)))
    grouped: dict[tuple, list[Row]] = {}
    for row in rows:
        grouped.setdefault(tuple(row[p] for p in positions), []).append(row)
    return grouped


def _key_text(table: MartTable, columns: list[str], key: tuple) -> str:
    names = table.key or tuple(columns)
    return "(" + ", ".join(f"{n}={v!r}" for n, v in zip(names, key, strict=True)) + ")"


def compare_table(left: TableReader, right: TableReader, table: MartTable) -> TableResult:
    result = TableResult(table)
    left_columns, left_rows = left.read(table.schema, table.name)
    right_columns, right_rows = right.read(table.schema, table.name)
    result.rows = len(left_rows)
    if sorted(left_columns) != sorted(right_columns):
        only = sorted(set(left_columns) ^ set(right_columns))
        result.differences.append(f"{table.relation}: the columns differ; only on one engine: {', '.join(only)}")
        return result
    right_rows = [tuple(row[right_columns.index(c)] for c in left_columns) for row in right_rows]
    left_keyed = _by_key(left_columns, left_rows, table.key)
    right_keyed = _by_key(left_columns, right_rows, table.key)
    for key in sorted(left_keyed.keys() | right_keyed.keys(), key=_sort_key):
        result.differences += _compare_rows(
            table, left_columns, key, left_keyed.get(key, []), right_keyed.get(key, []), (left.engine, right.engine)
        )
    return result


def _compare_rows(
    table: MartTable, columns: list[str], key: tuple, left: list[Row], right: list[Row], engines: tuple[str, str]
) -> list[str]:
    where = f"{table.relation} key {_key_text(table, columns, key)}"
    if len(left) != 1 or len(right) != 1:
        if table.key or len(left) != len(right):
            return [f"{where}: {len(left)} row(s) on {engines[0]}, {len(right)} on {engines[1]}"]
        return []
    return [
        f"{where} column {column}: {engines[0]}={a!r} {engines[1]}={b!r}"
        for column, a, b in zip(columns, left[0], right[0], strict=True)
        if not _same(a, b)
    ]


def compare(left: TableReader, right: TableReader, tables: list[MartTable]) -> list[TableResult]:
    if not tables:
        raise UserError("Cannot compare: the manifest lists no mart or reporting table that the build produced.")
    return [compare_table(left, right, table) for table in tables]


def report(results: list[TableResult], excluded: list[str]) -> tuple[list[str], bool]:
    """The lines to print (one per table, the differences, a total) and whether the builds are equal."""
    lines = []
    for r in results:
        key = ",".join(r.table.key) or "(all columns)"
        lines.append(f"compare table={r.table.relation} key={key} rows={r.rows} differences={len(r.differences)}")
        lines += [f"  {d}" for d in r.differences[:MAX_SHOWN]]
        if len(r.differences) > MAX_SHOWN:
            lines.append(f"  ... and {len(r.differences) - MAX_SHOWN} more differences in {r.table.relation}")
    differences = sum(len(r.differences) for r in results)
    lines.append(
        f"compare tables={len(results)} rows={sum(r.rows for r in results)} differences={differences} "
        f"not_built={','.join(excluded) or 'none'}"
    )
    return lines, differences == 0
