"""After a failed `dbt build`: the raw spellings no alias seed maps, read back from the failures the
`names_are_mapped` tests store, as one paragraph naming each spelling and the seed file to edit.

dbt prints only `FAIL 1 ..._names_are_mapped`; the spelling itself is in the test's stored-failures table, which
`target/manifest.json` locates. dbt rewrites that table each time the test runs, so it holds the last build's
failures (none once the test passes), whatever dbt command ran since.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

TEST_NAME = "names_are_mapped"
SHOWN = 12  # spellings listed by name; the rest are counted, so the paragraph stays one paragraph
LONGEST = 100  # characters of a spelling shown; a longer one is cut, with its length


@dataclass(frozen=True)
class Unmapped:
    spelling: str
    rows: int
    model: str
    seed: str


def _name_tests(target: Path) -> list[dict]:
    """The manifest nodes of the names_are_mapped tests that store their failures."""
    try:
        nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    except (OSError, ValueError, KeyError):
        return []  # no parsed project to explain: dbt's own output says why
    return [n for n in nodes.values()
            if (n.get("test_metadata") or {}).get("name") == TEST_NAME and n.get("relation_name")]


def unmapped(target: Path, db: Path) -> list[Unmapped]:
    """Every unmapped spelling of the last `dbt build`, from the stored failures in `db`."""
    tests = _name_tests(Path(target))
    if not tests:
        return []
    found: list[Unmapped] = []
    con = duckdb.connect(str(db), read_only=True)
    try:
        for node in tests:
            found += _stored(con, node)
    finally:
        con.close()
    return found


def _stored(con: duckdb.DuckDBPyConnection, node: dict) -> list[Unmapped]:
    model = (node.get("attached_node") or "").rsplit(".", 1)[-1]
    seed = (node.get("config", {}).get("meta") or {}).get("seed", "the alias seed under seeds/")
    try:
        rows = con.execute(f"select unmapped_raw_value, row_count from {node['relation_name']} order by 1").fetchall()
    except duckdb.CatalogException:
        return []  # the test has not run against this file yet
    return [Unmapped(str(value), int(count), model, seed) for value, count in rows]


def explain(found: list[Unmapped]) -> str | None:
    """One paragraph: the spellings, where they were seen, and the seed file(s) to add them to."""
    if not found:
        return None
    shown = "; ".join(f"{_spelling(u.spelling)} ({u.rows:,} row(s) in {u.model})" for u in found[:SHOWN])
    more = f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    seeds = " or ".join(dict.fromkeys(u.seed for u in found))
    return (
        f"The build failed because {len(found)} name(s) as published have no alias: {shown}{more}. Add a row for "
        f"each to {seeds} (its alias_key, the spelling normalised as in the seed's other rows, and the code it "
        f"stands for), then build again; until then those rows stay quarantined under the unmapped key."
    )


def all_mapped(target: Path) -> str:
    """What `ctdss unmapped` says when it finds no unmapped spelling: that every name is mapped, or that there is
    no parsed project to tell."""
    if not _name_tests(Path(target)):
        return (f"No names_are_mapped test to read in {Path(target) / 'manifest.json'}: dbt has not parsed the "
                f"project there, and its own output says why the build failed.")
    return "Every name is mapped: the last build's names_are_mapped tests stored no spelling without an alias."


def _spelling(value: str) -> str:
    if len(value) <= LONGEST:
        return repr(value)
    return f"{value[:LONGEST]!r}... ({len(value):,} characters)"
