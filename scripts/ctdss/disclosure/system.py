"""The attacker's linear system over published cells, and the interval it leaves each masked cell.

A cell is one row of a published table, with the bounds of its value. An equation says that a total row is the
sum of its member rows, for the lower bounds (and for the upper bounds, separately). The attacker knows every
published value and which masked cells the source left open (lower 0, width known). The unknowns are the lower
bounds of the masked cells that are neither open nor a total, each at least 0 and with no upper cap; a masked
total is the sum of its members, and only a published total constrains them. Each masked cell's lower bound is
minimised and maximised over what the published totals allow (see ctdss.disclosure.lp).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ctdss.disclosure.lp import Constraint, Linear, Solver

TOLERANCE = 1e-6  # the solver's answers are floats; the counts are whole numbers


@dataclass(frozen=True)
class Cell:
    """One row of a published table. For a published cell, the published bounds; for a masked one, the truth."""

    id: Hashable
    lower: int
    upper: int
    masked: bool
    open: bool = False  # the source left the value open (DSS publishes 0 for 1-4): lower 0, upper above it
    sensitive: bool = False  # the truth is below the threshold and not open

    @property
    def width(self) -> int:
        return self.upper - self.lower


class Equation(NamedTuple):
    """A total row is the sum of its member rows."""

    total: Hashable
    members: Sequence[Hashable]


@dataclass(frozen=True)
class Interval:
    """What the attacker can say of one masked cell's lower bound: between `least` and `most` (inf: no cap).
    The value itself lies in [feasible_lower, feasible_upper]. `pinned_by` are the published totals whose
    equations involve the cell's unknowns."""

    cell: Cell
    least: float
    most: float
    pinned_by: tuple[Hashable, ...]
    is_protected: bool
    is_recovered_exactly: bool

    @property
    def feasible_lower(self) -> float:
        return self.least

    @property
    def feasible_upper(self) -> float:
        return self.most + self.cell.width


def audit_system(cells: Iterable[Cell], equations: Iterable[Equation | tuple], threshold: int) -> list[Interval]:
    """The interval of every masked cell, in the order of `cells`. A cell is protected when its interval holds
    its true bounds and, if sensitive, the attacker can neither rule out values from `threshold` up nor narrow
    its lower bound to less than `threshold` wide."""
    by_id = {cell.id: cell for cell in cells}
    totals = _totals(equations, by_id)
    linear = _Expressions(by_id, totals)
    constraints = [Constraint(t, *linear.members(t)) for t in totals if not by_id[t].masked]
    solver = Solver(constraints)
    return [_interval(cell, linear.of(cell.id), solver, threshold) for cell in by_id.values() if cell.masked]


def _totals(equations: Iterable[Equation | tuple], by_id: dict[Hashable, Cell]) -> dict[Hashable, tuple]:
    totals: dict[Hashable, tuple] = {}
    for total, members in equations:
        unknown = [c for c in (total, *members) if c not in by_id]
        if unknown:
            raise ValueError(f"equation of {total!r} names cells that are not given: {unknown[:3]!r}")
        if total in totals:
            raise ValueError(f"{total!r} is the total of more than one equation")
        totals[total] = tuple(members)
    return totals


class _Expressions:
    """Each cell's lower bound as a linear expression of the unknowns: a constant for a published or an open
    cell, one unknown for another masked cell, the sum of its members for a masked total."""

    def __init__(self, by_id: dict[Hashable, Cell], totals: dict[Hashable, tuple]) -> None:
        self._by_id, self._totals, self._done = by_id, totals, {}

    def of(self, cell_id: Hashable, expanding: frozenset = frozenset()) -> Linear:
        if cell_id not in self._done:
            if cell_id in expanding:
                raise ValueError(f"{cell_id!r} is its own member")
            self._done[cell_id] = self._build(self._by_id[cell_id], expanding | {cell_id})
        return self._done[cell_id]

    def _build(self, cell: Cell, expanding: frozenset) -> Linear:
        if not cell.masked:
            return Linear({}, cell.lower)
        if cell.id in self._totals:
            return Linear.sum(self.of(m, expanding) for m in self._totals[cell.id])
        return Linear({}, 0) if cell.open else Linear({cell.id: 1}, 0)

    def members(self, total: Hashable) -> tuple[dict[Hashable, float], float]:
        """A published total's constraint: its members' unknowns, and what they add up to."""
        members = Linear.sum(self.of(m) for m in self._totals[total])
        return members.terms, self._by_id[total].lower - members.constant


def _interval(cell: Cell, linear: Linear, solver: Solver, threshold: int) -> Interval:
    least, most = solver.bounds(linear)
    holds = least <= cell.lower + TOLERANCE and cell.lower <= most + TOLERANCE
    hidden = most >= threshold - TOLERANCE and most - least >= threshold - TOLERANCE
    protected = holds and (hidden or not cell.sensitive)
    exact = not cell.open and most - least <= TOLERANCE
    return Interval(cell, _whole(least), _whole(most), solver.pinning(linear), protected, exact)


def _whole(value: float) -> float:
    """A bound within the tolerance of a whole number, as that number."""
    if math.isinf(value) or abs(value - round(value)) > TOLERANCE * max(1.0, abs(value)):
        return value
    return float(round(value))
