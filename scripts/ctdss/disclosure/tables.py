"""The published tables as the attacker sees them: which tables there are, how their rows add up, and reading
them (with the truth from qa.qa_disclosure_cells) as cells and equations for ctdss.disclosure.system.

A new published table is an entry in TABLES; a new published total is an entry in RELATIONS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import duckdb

from ctdss.disclosure.system import Cell, Equation
from ctdss.errors import UserError
from ctdss.load.warehouse import qi, ql

SCHEMA = "reporting"
PROGRAMS = "marts.dim_program"
TRUTH = "qa.qa_disclosure_cells"
# Every key column of the truth view; a table has a few of them, the others are null in its rows there.
KEY_COLUMNS = ("town_key", "program_code", "program_family", "race_key", "geography_level", "geography_fips",
               "calendar_year", "month_start_date")


@dataclass(frozen=True)
class Table:
    """A published table: its key, and the value whose bounds are `<value>_lower` and `<value>_upper`."""

    name: str
    keys: tuple[str, ...]
    value: str


@dataclass(frozen=True)
class Relation:
    """Each row of `total` is the sum of the rows of `member` whose `key` expressions equal its key: a SQL
    expression per key column of `total`, over the member row `m` and its program `p` (marts.dim_program)."""

    total: str
    member: str
    key: dict[str, str]


TABLES = (
    Table("rpt_town_participation_by_program", ("town_key", "program_code", "calendar_year"), "recipient_count"),
    Table("rpt_town_participation_by_region", ("program_code", "calendar_year", "geography_level", "geography_fips"),
          "recipient_count"),
    Table("rpt_town_program_family_trends_by_year", ("town_key", "program_family", "calendar_year"), "enrolments"),
    Table("rpt_program_participation_by_month", ("program_code", "month_start_date"), "recipient_count"),
    Table("rpt_program_family_trends_by_month", ("program_family", "month_start_date"), "enrolments"),
    Table("rpt_town_program_family_trends_by_month", ("town_key", "program_family", "month_start_date"),
          "enrolments"),
    Table("rpt_town_participation_by_race", ("town_key", "race_key", "calendar_year"), "recipient_count"),
    Table("rpt_assistance_type_participation_by_year", ("program_code", "calendar_year"), "recipient_count"),
)
RELATIONS = (
    Relation("rpt_town_participation_by_region", "rpt_town_participation_by_program",
             {"program_code": "m.program_code", "calendar_year": "m.calendar_year",
              "geography_level": "'county'", "geography_fips": "m.county_fips"}),
    Relation("rpt_town_participation_by_region", "rpt_town_participation_by_program",
             {"program_code": "m.program_code", "calendar_year": "m.calendar_year",
              "geography_level": "'planning_region'", "geography_fips": "m.planning_region_fips"}),
    Relation("rpt_town_program_family_trends_by_year", "rpt_town_participation_by_program",
             {"town_key": "m.town_key", "program_family": "p.program_family", "calendar_year": "m.calendar_year"}),
    Relation("rpt_program_family_trends_by_month", "rpt_program_participation_by_month",
             {"program_family": "p.program_family", "month_start_date": "m.month_start_date"}),
)
TABLE_BY_NAME = {table.name: table for table in TABLES}


class CellKey(NamedTuple):
    """A row of a published table: the table's name and its key, as (column, value) pairs."""

    table: str
    key: tuple[tuple[str, Any], ...]

    def __str__(self) -> str:
        return f"{self.table} ({', '.join(f'{column}={value}' for column, value in self.key)})"


def read_cells(con: duckdb.DuckDBPyConnection, threshold: int) -> list[Cell]:
    """Every row of every published table. A published cell carries its published bounds; a masked one the
    truth (and whether the source left it open) from the truth view, and is sensitive when its true lower bound
    is below `threshold` and not open: judged at the audit's threshold, whatever the build's was."""
    _require(con)
    cells = [cell for table in TABLES for cell in _table_cells(con, table, threshold)]
    missing = [c.id for c in cells if c.lower is None or c.upper is None]
    if missing:
        raise UserError(
            f"{len(missing)} cells of the published tables have no bounds (the first is {missing[0]}): a published "
            f"row without its _lower and _upper values, or a masked row without a row in {TRUTH}, so the audit "
            f"cannot tell their values. Rebuild the warehouse (`make demo` or `make build`) so that the view "
            f"covers every row of every rpt_ table, then run the audit again.")
    return cells


def _table_cells(con: duckdb.DuckDBPyConnection, table: Table, threshold: int) -> list[Cell]:
    keys = ", ".join(f"r.{qi(k)}" for k in table.keys)
    on = " and ".join([f"q.table_name = {ql(table.name)}"] + [f"q.{qi(k)} = r.{qi(k)}" for k in table.keys])
    rows = con.execute(
        f"""select {keys},
                   case when r.is_suppressed then q.value_lower else r.{qi(table.value + '_lower')} end,
                   case when r.is_suppressed then q.value_upper else r.{qi(table.value + '_upper')} end,
                   r.is_suppressed, coalesce(q.is_open_at_source, false),
                   coalesce(r.is_suppressed and q.value_lower < {int(threshold)} and not q.is_open_at_source, false)
            from {SCHEMA}.{qi(table.name)} as r
            left join {TRUTH} as q on {on}""").fetchall()
    width = len(table.keys)
    return [Cell(CellKey(table.name, tuple(zip(table.keys, row[:width], strict=True))), *row[width:])
            for row in rows]


def read_equations(con: duckdb.DuckDBPyConnection) -> list[Equation]:
    """One equation per row of a total table and relation: the total's key, and the keys of its members."""
    equations = []
    for relation in RELATIONS:
        members: dict[CellKey, list[CellKey]] = {}
        total, member = TABLE_BY_NAME[relation.total], TABLE_BY_NAME[relation.member]
        for row in _total_rows(con, relation, total):
            members[CellKey(total.name, tuple(zip(total.keys, row, strict=True)))] = []
        for row in _member_rows(con, relation, total, member):
            found = members.get(CellKey(total.name, tuple(zip(total.keys, row[:len(total.keys)], strict=True))))
            if found is not None:
                found.append(CellKey(member.name, tuple(zip(member.keys, row[len(total.keys):], strict=True))))
        equations += [Equation(t, m) for t, m in members.items()]
    return equations


def _total_rows(con: duckdb.DuckDBPyConnection, relation: Relation, total: Table) -> list[tuple]:
    """The keys of the total rows the relation defines (those its constant key expressions select)."""
    member_of = " and ".join(f"{qi(k)} = {e}" for k, e in relation.key.items() if not e.startswith(("m.", "p.")))
    return con.execute(f"select {', '.join(qi(k) for k in total.keys)} from {SCHEMA}.{qi(total.name)}"
                       + (f" where {member_of}" if member_of else "")).fetchall()


def _member_rows(con: duckdb.DuckDBPyConnection, relation: Relation, total: Table, member: Table) -> list[tuple]:
    """Per member row, the key of its total, then its own key."""
    columns = [relation.key[k] for k in total.keys] + [f"m.{qi(k)}" for k in member.keys]
    return con.execute(f"""select {', '.join(columns)} from {SCHEMA}.{qi(member.name)} as m
                           left join {PROGRAMS} as p on p.program_code = m.program_code""").fetchall()


def _require(con: duckdb.DuckDBPyConnection) -> None:
    found = {f"{s}.{t}" for s, t in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database() union all "
        "select schema_name, view_name from duckdb_views() where database_name = current_database()").fetchall()}
    missing = [n for n in _needed() if n not in found]
    if missing:
        raise UserError(
            f"The working warehouse has no {', '.join(missing)}, which the disclosure audit reads. Build it "
            f"(`make demo` offline, or `make build`) with the current models, then run the audit again.")


def _needed() -> Sequence[str]:
    return [f"{SCHEMA}.{t.name}" for t in TABLES] + [PROGRAMS, TRUTH]
