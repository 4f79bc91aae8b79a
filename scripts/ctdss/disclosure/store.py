"""`qa.qa_disclosure_intervals` in the working warehouse: one row per masked cell, with what the attacker can say
of it. It stays in the working file (the published file carries the marts and reporting schemas only)."""

from __future__ import annotations

import math
from pathlib import Path

from ctdss.disclosure.system import Interval
from ctdss.disclosure.tables import KEY_COLUMNS
from ctdss.load.warehouse import replace_table, session

TARGET = "qa.qa_disclosure_intervals"
DESCRIPTION = ("One row per masked cell of the published rpt_ tables (written by `ctdss audit` at threshold "
               "{threshold}): its true bounds, and the interval of values an attacker who knows every published "
               "value and how the tables add up can narrow it to.")
KEY_TYPES = {"calendar_year": "integer", "month_start_date": "date"}
COLUMNS: dict[str, tuple[str, str]] = {
    "table_name": ("varchar", "The published table, without its schema (reporting)."),
    **{key: (KEY_TYPES.get(key, "varchar"), f"The row's {key}; null where the table has no such key.")
       for key in KEY_COLUMNS},
    "value_lower": ("bigint", "The cell's true lower bound (from qa.qa_disclosure_cells)."),
    "value_upper": ("bigint", "The cell's true upper bound."),
    "is_open_at_source": ("boolean", "The source left the value open (DSS publishes 0 for 1-4)."),
    "is_sensitive": ("boolean", "The true value is below the threshold and not open at the source."),
    "feasible_lower": ("double", "The least value the attacker cannot rule out."),
    "feasible_upper": ("double", "The most value the attacker cannot rule out; null when there is no cap."),
    "is_protected": ("boolean", "The interval holds the true bounds and, for a sensitive cell, reaches the "
                                "threshold and is at least the threshold wide."),
    "is_recovered_exactly": ("boolean", "The attacker knows the cell's lower bound exactly (not open at source)."),
}


def write_results(db: Path, intervals: list[Interval], threshold: int) -> None:
    """Replace the table in one short write transaction (waiting, then failing cleanly, while another writer
    holds the file)."""
    with session(db) as con:
        con.execute("begin")
        con.execute(f"create schema if not exists {TARGET.split('.')[0]}")
        replace_table(con, TARGET, DESCRIPTION.format(threshold=threshold), COLUMNS, [_row(i) for i in intervals])
        con.execute("commit")


def _row(interval: Interval) -> tuple:
    cell = interval.cell
    keys = dict(cell.id.key)
    upper = None if math.isinf(interval.feasible_upper) else interval.feasible_upper
    return (cell.id.table, *(keys.get(k) for k in KEY_COLUMNS), cell.lower, cell.upper, cell.open, cell.sensitive,
            interval.feasible_lower, upper, interval.is_protected, interval.is_recovered_exactly)
