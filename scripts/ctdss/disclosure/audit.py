"""`ctdss audit`: read the published tables and the truth from the working warehouse (read-only), attack them,
write qa.qa_disclosure_intervals (a brief write) and summarise; fail when a masked cell is not protected."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ctdss.disclosure.store import TARGET, write_results
from ctdss.disclosure.system import Cell, Equation, Interval, audit_system
from ctdss.disclosure.tables import read_cells, read_equations
from ctdss.errors import UserError
from ctdss.load.warehouse import attach_read_only

NAMED_CELLS = 3  # the unprotected cells an error names
NAMED_TOTALS = 4  # the published totals it names for each


@dataclass(frozen=True)
class AuditResult:
    db: Path
    threshold: int
    intervals: list[Interval]
    seconds: float
    shown_small: tuple[Cell, ...] = ()  # published cells below the threshold: built at a lower one

    @property
    def unprotected(self) -> list[Interval]:
        return [i for i in self.intervals if not i.is_protected]

    def __str__(self) -> str:
        cells = [i.cell for i in self.intervals]
        opened, sensitive = sum(c.open for c in cells), sum(c.sensitive for c in cells)
        protected = len(self.intervals) - len(self.unprotected)
        exact = sum(i.is_recovered_exactly for i in self.intervals)
        return "\n".join([
            f"Audited {len(cells):,} masked cells at threshold {self.threshold}: {opened:,} open at source, "
            f"{sensitive:,} sensitive, {len(cells) - opened - sensitive:,} other.",
            f"Protected: {protected:,} of {len(cells):,}; recovered exactly: {exact:,}.",
            _narrowest(self.intervals),
            f"Results in {TARGET} in {self.db} ({self.seconds:.1f} s).",
        ])


def run(db: Path, threshold: int) -> AuditResult:
    """Audit the working warehouse `db` and write the results; the caller decides what an unprotected cell means
    (see check)."""
    start = time.monotonic()
    cells, equations = _read(Path(db), threshold)
    intervals = audit_system(cells, equations, threshold)
    write_results(Path(db), intervals, threshold)
    shown_small = tuple(c for c in cells if not c.masked and c.lower < threshold)
    return AuditResult(Path(db), threshold, intervals, time.monotonic() - start, shown_small)


def check(result: AuditResult) -> None:
    """Raise a UserError naming the first cells shown below the threshold, else the first unprotected cells and
    the published totals that pin each."""
    if result.shown_small:
        named = "; ".join(str(c.id) for c in result.shown_small[:NAMED_CELLS])
        raise UserError(
            f"{len(result.shown_small):,} published cells are below the threshold {result.threshold}, the first "
            f"{named}: the tables were built with a lower suppression_threshold than the audit's. Build them at "
            f"{result.threshold} (`dbt build --vars '{{suppression_threshold: {result.threshold}}}'`, or set the "
            f"var in dbt_project.yml), or audit at the threshold they were built with.")
    failed = result.unprotected
    if not failed:
        return
    named = "; ".join(f"{i.cell.id} {_why(i, result.threshold)}, pinned by {_totals(i)}" for i in
                      failed[:NAMED_CELLS])
    more = f"; and {len(failed) - NAMED_CELLS:,} more" if len(failed) > NAMED_CELLS else ""
    raise UserError(
        f"{len(failed):,} of {len(result.intervals):,} masked cells are not protected at threshold "
        f"{result.threshold}: an attacker who adds up the published tables narrows them too far. {named}{more}. "
        f"Every cell is listed in {TARGET} in {result.db} (where is_protected is false). Mask more "
        f"complementary cells in the relations named (the suppression models), rebuild, and audit again.")


def _read(db: Path, threshold: int) -> tuple[list[Cell], list[Equation]]:
    con = duckdb.connect()
    try:
        attach_read_only(con, db, "audit")
        con.execute("use work")
        return read_cells(con, threshold), read_equations(con)
    finally:
        con.close()


def _narrowest(intervals: list[Interval]) -> str:
    closed = [i for i in intervals if not i.cell.open]
    if not closed:
        return "Narrowest interval among masked cells not open at source: none (no such cell)."
    narrowest = min(closed, key=lambda i: i.feasible_upper - i.feasible_lower)
    return (f"Narrowest interval among masked cells not open at source: {_span(narrowest)} "
            f"for {narrowest.cell.id}.")


def _why(interval: Interval, threshold: int) -> str:
    cell = interval.cell
    if not interval.least <= cell.lower <= interval.most:
        return f"(true {cell.lower}-{cell.upper}) lies outside its interval {_span(interval)}"
    if interval.is_recovered_exactly:
        return f"is recovered exactly as {_number(interval.least)}"
    return f"(true {cell.lower}) is narrowed to {_span(interval)}, below the threshold {threshold}"


def _span(interval: Interval) -> str:
    return f"[{_number(interval.feasible_lower)}, {_number(interval.feasible_upper)}]"


def _number(value: float) -> str:
    if math.isinf(value):
        return "no cap"
    return f"{int(value)}" if value == int(value) else f"{value:.2f}"


def _totals(interval: Interval) -> str:
    totals = interval.pinned_by
    more = f" and {len(totals) - NAMED_TOTALS} more" if len(totals) > NAMED_TOTALS else ""
    return ", ".join(str(t) for t in totals[:NAMED_TOTALS]) + more or "no published total"
