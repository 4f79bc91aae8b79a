"""Property-based tests of the project's own SQL macros, compiled once by dbt and run in DuckDB on generated data:
name normalisation, and small-cell suppression judged by the disclosure audit."""

from __future__ import annotations

import csv
import re
import unicodedata

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.warehouse_fixtures import REPO

from ctdss.build.runner import project_vars
from ctdss.disclosure.system import Cell, Equation, audit_system
from ctdss.names import normalize_name

pytestmark = pytest.mark.slow

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def compile_sql(built_warehouse):
    """dbt's compiler in the session warehouse's project state, so it parses only what changed since that build.
    --no-write-json leaves the session's manifest.json as the build wrote it: other tests read it."""

    def compile_(inline: str) -> str:
        result = built_warehouse.dbt("compile", "--quiet", "--no-write-json", "--inline", inline)
        assert result.returncode == 0, result.stdout[-3000:]
        return result.stdout.strip()

    return compile_


@pytest.fixture(scope="module")
def normalise(compile_sql):
    sql = compile_sql("select {{ normalize_name('raw_name') }} as alias_key from names")
    con = duckdb.connect()

    def run(names: list[str]) -> list[str]:
        con.execute("create or replace temp table names (position integer, raw_name varchar)")
        con.executemany("insert into names values (?, ?)", list(enumerate(names)))
        ordered = sql.replace(" from names", ", position from names") + " order by position"
        return [row[0] for row in con.execute(ordered).fetchall()]

    return run


def _seed(name: str) -> list[dict[str, str]]:
    with (REPO / "seeds" / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@SETTINGS
@given(st.lists(names, min_size=1, max_size=20))
def test_normalisation_is_idempotent(normalise, values):
    once = normalise(values)
    assert normalise(once) == once


ascii_names = st.text(alphabet=st.sampled_from(list("abcXYZ Mn\t\n\r-'.")), max_size=30)


@SETTINGS
@given(st.lists(ascii_names, min_size=1, max_size=20))
def test_normalisation_trims_collapses_whitespace_and_folds_case(normalise, values):
    for value, key in zip(values, normalise(values), strict=True):
        assert key == " ".join(value.split()).lower()  # the rule the alias seeds are keyed by


# Letters of the spellings the portal publishes (accented, Greek, the dotted capital I), and every kind of space.
portal_names = st.text(alphabet=st.sampled_from(list("aZéÉßẞİıΣσςΑ-'. \t\n\r\f\v\u00a0\u2003")), max_size=30)


@SETTINGS
@given(st.lists(portal_names, min_size=1, max_size=20))
def test_python_normalisation_equals_the_macro(normalise, values):
    """`ctdss inspect` proposes alias keys with ctdss.names.normalize_name; they must be the macro's keys."""
    assert [normalize_name(v) for v in values] == normalise(values)


# Every class of character normalize_name treats apart, so that a difference from the macro is found every run
# and not only when Hypothesis draws the one character: RE2's whitespace (collapsed), the Unicode space separators
# (kept inside, trimmed at the ends), other spaces, separators and format characters (kept everywhere, though
# Python's own strip and split take some), and letters whose lower case Python maps otherwise (to two code points,
# by context) or that have a title case.
FOLDING_CLASSES = {
    "re2_whitespace": "\t\n\f\r ",
    "space_separators": "".join(c for c in map(chr, range(0x3001)) if unicodedata.category(c) == "Zs"),
    "other_spaces": "\v\x1c\x1d\x1e\x1f\x85\u2028\u2029\u200b\u180e\ufeff",
    "letters": "İıΣσςẞßÉéǅǄΩK",
}


@pytest.mark.parametrize("kind", sorted(FOLDING_CLASSES))
def test_python_normalisation_equals_the_macro_for_every_character_class(normalise, kind):
    values = [v for c in FOLDING_CLASSES[kind] for v in (c, c * 2, f"{c}Ab{c}{c}Cd{c}", f"A{c}b", f"{c}ΣA{c}")]
    assert [normalize_name(v) for v in values] == normalise(values)


@pytest.mark.parametrize(("seed", "target", "catalogue", "key"), [
    ("program_aliases.csv", "program_code", "programs.csv", "program_code"),
    ("town_aliases.csv", "town_key", "ct_towns.csv", "town_key"),
])
def test_every_alias_is_normalised_and_maps_to_a_catalogue_member(normalise, seed, target, catalogue, key):
    aliases = _seed(seed)
    members = {row[key] for row in _seed(catalogue)}
    keys = [row["alias_key"] for row in aliases]
    assert normalise(keys) == keys
    assert {row[target] for row in aliases} <= members


def _respell(draw, name: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    spaced = "".join(c.upper() if f else c.lower() for c, f in zip(name, flips, strict=True))
    pad = draw(st.sampled_from(["", " ", "\t", "  "]))
    return pad + re.sub(" ", draw(st.sampled_from([" ", "  ", " \t "])), spaced) + pad


@SETTINGS
@given(st.data())
def test_any_case_or_spacing_variant_of_a_program_name_maps_to_its_code(normalise, data):
    catalogue = _seed("programs.csv")
    aliases = {row["alias_key"]: row["program_code"] for row in _seed("program_aliases.csv")}
    member = data.draw(st.sampled_from(catalogue))
    variant = _respell(data.draw, member["program_name"])
    assert aliases[normalise([variant])[0]] == member["program_code"]


# The project's own (DSS's), and a stricter policy under which known small values exist.
THRESHOLDS = (project_vars()["suppression_threshold"], 11)
PASSES = (1, 8)  # one pass leaves nested sums unsettled, so the fallback that masks a partition runs too


@pytest.fixture(scope="module")
def suppress(compile_sql):
    """suppress_linked over tables `items` and `equation_items`, compiled once per threshold."""
    sql = {(t, p): compile_sql(f"{{{{ suppress_linked('items', 'equation_items', threshold={t}, max_passes={p}) }}}}")
           for t in THRESHOLDS for p in PASSES}
    con = duckdb.connect()

    def run(table: LinkedTable, threshold: int, passes: int) -> dict[str, bool]:
        con.execute("create or replace temp table items (item_id varchar, partition_key varchar, "
                    "lower_bound integer, upper_bound integer, is_margin boolean)")
        con.executemany("insert into items values (?, 'all', ?, ?, ?)",
                        [(i, lo, hi, i in table.equations) for i, (lo, hi) in table.bounds.items()])
        con.execute("create or replace temp table equation_items (equation_id varchar, item_id varchar)")
        con.executemany("insert into equation_items values (?, ?)",
                        [(total, item) for total, members in table.equations.items() for item in (total, *members)])
        return dict(con.execute(f"select item_id, is_suppressed from ({sql[threshold, passes]})").fetchall())

    return run


class LinkedTable:
    """Cells x[i, j] (towns by programs) with two levels of margins over the towns, as in the published tables:
    the towns of a group (a county) per program, and all groups (the state) per program; and one margin over
    the programs (a town's family total). Each cell is exact or a published 0 (0 to 4)."""

    def __init__(self, groups: list[int], columns: int, values: list[int | None]) -> None:
        rows = range(len(groups))
        self.bounds: dict[str, tuple[int, int]] = {}
        self.equations: dict[str, list[str]] = {}
        for (i, j), value in zip(((i, j) for i in rows for j in range(columns)), values, strict=False):
            self.bounds[f"x{i}.{j}"] = (0, 4) if value is None else (value, value)
        for j in range(columns):
            for g in sorted(set(groups)):
                self._sum(f"s{g}.{j}", [f"x{i}.{j}" for i in rows if groups[i] == g])
            self._sum(f"t{j}", [f"s{g}.{j}" for g in sorted(set(groups))])
        for i in rows:
            self._sum(f"f{i}", [f"x{i}.{j}" for j in range(columns)])

    def __repr__(self) -> str:
        return f"LinkedTable(bounds={self.bounds}, equations={self.equations})"

    def _sum(self, total: str, members: list[str]) -> None:
        members = [m for m in members if m in self.bounds]
        if members:
            self.equations[total] = members
            self.bounds[total] = tuple(sum(self.bounds[m][k] for m in members) for k in (0, 1))


@st.composite
def linked_tables(draw) -> LinkedTable:
    """A source either rounds its small counts to 0 as DSS does (every other count is at least 5) or publishes
    every count exactly; no source does both."""
    groups = draw(st.lists(st.integers(0, 2), min_size=1, max_size=6))
    columns = draw(st.integers(1, 4))
    if draw(st.booleans()):
        value = st.one_of(st.none(), st.integers(5, 12), st.integers(5, 80))  # None: published as 0
    else:
        value = st.one_of(st.integers(0, 12), st.integers(0, 80))
    values = draw(st.lists(value, min_size=len(groups) * columns, max_size=len(groups) * columns))
    return LinkedTable(groups, columns, values)


@SETTINGS
@given(linked_tables(), st.sampled_from(THRESHOLDS), st.sampled_from(PASSES))
def test_suppression_leaves_no_masked_cell_an_attacker_can_narrow(suppress, table, threshold, passes):
    masked = suppress(table, threshold, passes)
    assert masked.keys() == table.bounds.keys()
    for item, (lower, _) in table.bounds.items():
        assert masked[item] or lower >= threshold  # nothing shown below the threshold, nor a 0 for 0-4
    cells = [Cell(item, lo, hi, masked[item], open=lo == 0 < hi, sensitive=lo < threshold and not lo == 0 < hi)
             for item, (lo, hi) in table.bounds.items()]
    intervals = audit_system(cells, [Equation(t, m) for t, m in table.equations.items()], threshold)
    assert [i.cell.id for i in intervals if not i.is_protected] == []
