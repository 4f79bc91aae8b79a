"""The linear programs of the disclosure audit: the least and most a sum of unknowns can be, each unknown at least
0 with no cap, subject to equality constraints (a published total equals the sum of its members' unknowns plus
a known part). Unknowns that share no constraint are independent, so the constraints are split into connected
components and each component is solved on its own with HiGHS (scipy.optimize.linprog)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_array

from ctdss.errors import UserError

TOLERANCE = 1e-6


@dataclass(frozen=True)
class Linear:
    """A linear expression: the sum of coefficient times unknown over `terms`, plus `constant`."""

    terms: dict[Hashable, float]
    constant: float

    @staticmethod
    def sum(parts: Iterable[Linear]) -> Linear:
        terms: dict[Hashable, float] = {}
        constant = 0.0
        for part in parts:
            constant += part.constant
            for unknown, coefficient in part.terms.items():
                terms[unknown] = terms.get(unknown, 0) + coefficient
        return Linear(terms, constant)


@dataclass(frozen=True)
class Constraint:
    """The sum of coefficient times unknown over `terms` equals `value`; stated by the published `total`."""

    total: Hashable
    terms: dict[Hashable, float]
    value: float


class InconsistentTotals(UserError):
    """The published totals contradict each other: no values of the masked cells satisfy them."""


class Solver:
    """The bounds of linear expressions of the unknowns under the constraints."""

    def __init__(self, constraints: list[Constraint]) -> None:
        broken = [c.total for c in constraints if not c.terms and abs(c.value) > TOLERANCE]
        if broken:
            raise _inconsistent(broken)
        self._components = {unknown: part for part in _components(constraints) for unknown in part.unknowns}

    def bounds(self, linear: Linear) -> tuple[float, float]:
        """The least and the most `linear` can be (math.inf when it has no cap)."""
        least = most = linear.constant
        for part, terms in self._split(linear):
            low, high = part.bounds(terms) if part else (0.0, math.inf)
            least, most = least + low, most + high
        return least, most

    def pinning(self, linear: Linear) -> tuple[Hashable, ...]:
        """The totals whose constraints involve an unknown of `linear`."""
        return tuple(c.total for part, terms in self._split(linear) if part for c in part.constraints
                     if not terms.keys().isdisjoint(c.terms))

    def _split(self, linear: Linear) -> list[tuple[_Component | None, dict[Hashable, float]]]:
        """The terms of `linear` by component; a term whose unknown no constraint names stands alone, under None."""
        parts: dict[int, tuple[_Component | None, dict[Hashable, float]]] = {}
        for unknown, coefficient in linear.terms.items():
            part = self._components.get(unknown)
            key = id(part) if part else id(unknown)
            parts.setdefault(key, (part, {}))[1][unknown] = coefficient
        return list(parts.values())


def _components(constraints: list[Constraint]) -> list[_Component]:
    """The constraints grouped into connected components (union-find over the unknowns they share)."""
    parent: dict[Hashable, Hashable] = {}

    def root(unknown: Hashable) -> Hashable:
        while parent.setdefault(unknown, unknown) != unknown:
            parent[unknown] = parent[parent[unknown]]
            unknown = parent[unknown]
        return unknown

    for constraint in constraints:
        unknowns = list(constraint.terms)
        for unknown in unknowns[1:]:
            parent[root(unknown)] = root(unknowns[0])
    groups: dict[Hashable, list[Constraint]] = {}
    for constraint in constraints:
        if constraint.terms:
            groups.setdefault(root(next(iter(constraint.terms))), []).append(constraint)
    return [_Component(group) for group in groups.values()]


class _Component:
    """One connected component's linear program. Every optimum found is kept, which spares most programs: an
    expression that is 0 at a point found has least 0, and an unknown at its cap at a point found has most the
    cap (the least value the constraints that name it allow; every coefficient is positive)."""

    def __init__(self, constraints: list[Constraint]) -> None:
        self.constraints = constraints
        self.unknowns = list(dict.fromkeys(u for c in constraints for u in c.terms))
        self._index = {unknown: i for i, unknown in enumerate(self.unknowns)}
        rows, columns, values = zip(*((r, self._index[u], a) for r, c in enumerate(constraints)
                                      for u, a in c.terms.items()), strict=True)
        self._matrix = csr_array((values, (rows, columns)), shape=(len(constraints), len(self.unknowns)))
        self._values = np.array([c.value for c in constraints], dtype=float)
        self._caps = np.full(len(self.unknowns), math.inf)
        for constraint in constraints:
            for unknown, coefficient in constraint.terms.items():
                i = self._index[unknown]
                self._caps[i] = min(self._caps[i], constraint.value / coefficient)
        self._zeros: list[np.ndarray] = []  # per point found, which unknowns are 0 there
        self._ever_zero = np.zeros(len(self.unknowns), dtype=bool)
        self._capped = np.zeros(len(self.unknowns), dtype=bool)  # at its cap at a point found

    def bounds(self, terms: dict[Hashable, float]) -> tuple[float, float]:
        support = np.array([self._index[u] for u in terms])
        objective = np.zeros(len(self.unknowns))
        objective[support] = list(terms.values())
        most = self._most(support, objective)  # first: its optimum may spare the least's program
        return self._least(support, objective), most

    def _most(self, support: np.ndarray, objective: np.ndarray) -> float:
        if len(support) == 1 and self._capped[support[0]]:
            return float(objective[support[0]] * self._caps[support[0]])
        return -self._optimum(-objective)

    def _least(self, support: np.ndarray, objective: np.ndarray) -> float:
        single = len(support) == 1 and self._ever_zero[support[0]]
        if single or (len(support) > 1 and any(zeros[support].all() for zeros in self._zeros)):
            return 0.0
        return self._optimum(objective)

    def _optimum(self, objective: np.ndarray) -> float:
        result = linprog(objective, A_eq=self._matrix, b_eq=self._values, bounds=(0, None), method="highs")
        if result.status == 3:  # unbounded
            return -math.inf
        if result.status != 0:
            raise _inconsistent([c.total for c in self.constraints]) if result.status == 2 else RuntimeError(
                f"HiGHS failed on a component of {len(self.constraints)} totals: {result.message}")
        zeros = result.x <= TOLERANCE
        self._zeros.append(zeros)
        self._ever_zero |= zeros
        self._capped |= result.x >= self._caps - TOLERANCE
        return float(result.fun)


def _inconsistent(totals: list[Hashable]) -> InconsistentTotals:
    named = "; ".join(str(t) for t in totals[:5]) + ("; ..." if len(totals) > 5 else "")
    return InconsistentTotals(
        f"The published totals do not add up to their members' published values: no values of the masked cells "
        f"satisfy {len(totals)} of them ({named}). The published tables contradict each other; rebuild them "
        f"(`make demo` or `make update`) and run the audit again, and if it persists, check the suppression models.")
