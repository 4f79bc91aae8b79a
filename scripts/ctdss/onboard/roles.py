"""Proposing roles for a dataset's columns from their names and data types, and the registry kind that fits.

A column is placed only when exactly one role matches it and no other column matches that role; everything else
is returned as unplaced with the reason, so that nothing is mapped on a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ctdss.registry import FIELD_NAME, NEW_KIND_NEEDS, ROLES, Registry

NAME_ROLES = ("town", "program", "assistance_type", "medical_benefit_plan", "race", "ethnicity")
TEXT_TYPES = frozenset({"text"})


@dataclass(frozen=True)
class Rule:
    role: str
    words: frozenset[str]
    types: frozenset[str]


# Words are matched against the field name and the display name, split at anything that is not a letter or digit.
RULES = (
    Rule("town", frozenset({"town", "towns", "township", "municipality", "city"}), TEXT_TYPES),
    Rule("program", frozenset({"program", "programs"}), TEXT_TYPES),
    # A type of assistance (TOA) code is finer than a program: the seed assistance_types rolls codes up.
    Rule("assistance_type", frozenset({"assistance", "toa"}), TEXT_TYPES),
    Rule("medical_benefit_plan", frozenset({"plan", "plans"}), TEXT_TYPES),
    Rule("race", frozenset({"race", "races"}), TEXT_TYPES),
    Rule("ethnicity", frozenset({"ethnicity", "ethnic", "hispanic"}), TEXT_TYPES),
    Rule("year", frozenset({"year", "yr", "cy"}), frozenset({"number", "text"})),
    Rule("month", frozenset({"month", "period", "date"}), frozenset({"calendar_date", "floating_timestamp", "text"})),
    Rule("count", frozenset({"count", "counts", "recipients", "people", "persons", "served", "enrollment",
                             "enrolled", "number", "total", "clients", "participants", "individuals"}),
         frozenset({"number"})),
)
FISCAL = frozenset({"fiscal", "fy", "sfy", "ffy"})
SINGLE_YEAR = re.compile(r"(?<![\d-])((?:19|20)\d{2})(?![\d-])")


@dataclass(frozen=True)
class Column:
    field: str
    name: str
    data_type: str


@dataclass
class Placement:
    placed: dict[str, Column] = field(default_factory=dict)
    unplaced: list[tuple[Column, str]] = field(default_factory=list)
    constants: dict[str, str] = field(default_factory=dict)
    """Roles the dataset has no column for but its title gives (the year of a single-year dataset)."""

    @property
    def roles(self) -> set[str]:
        return set(self.placed) | set(self.constants)


@dataclass(frozen=True)
class KindChoice:
    name: str
    required_roles: tuple[str, ...]
    existing: bool
    note: str = ""


def columns_of(metadata: dict) -> list[Column]:
    """The columns of /api/views/{id}.json, in position order."""
    columns = sorted(metadata.get("columns") or [], key=lambda c: c.get("position") or 0)
    return [Column(str(c.get("fieldName") or ""), str(c.get("name") or ""), str(c.get("dataTypeName") or ""))
            for c in columns]


def place(columns: list[Column], title: str) -> Placement:
    placement = Placement()
    candidates: dict[str, list[Column]] = {}
    for column in columns:
        roles, why = _roles_for(column)
        if len(roles) == 1:
            candidates.setdefault(roles[0], []).append(column)
        else:
            placement.unplaced.append((column, why))
    for role in ROLES:
        found = candidates.get(role, [])
        if len(found) == 1:
            placement.placed[role] = found[0]
        for column in found if len(found) > 1 else []:
            others = ", ".join(c.field for c in found)
            placement.unplaced.append((column, f"{len(found)} columns could be the {role} ({others}); pick one"))
    if {"year", "month"} <= placement.placed.keys():
        year = placement.placed.pop("year")
        placement.unplaced.append((year, f"the month ({placement.placed['month'].field}) already gives the year"))
    year = SINGLE_YEAR.findall(title)
    if not placement.placed.keys() & {"year", "month"} and len(set(year)) == 1:
        placement.constants["year"] = year[0]
    return placement


def contenders(columns: list[Column], role: str) -> list[Column]:
    """The columns whose name and data type fit `role`, whether or not `place` would place one of them there."""
    return [c for c in columns if role in _roles_for(c)[0]]


def fits_type(role: str, data_type: str) -> bool:
    """Whether a column of `data_type` can hold `role`, by the same rules that place columns."""
    return any(r.role == role and data_type in r.types for r in RULES)


def _roles_for(column: Column) -> tuple[list[str], str]:
    """The roles a column could hold, and why it holds none or several."""
    if not FIELD_NAME.match(column.field):
        return [], "not a Socrata field name (a system or computed column)"
    words = _words(column)
    if words & FISCAL:
        return [], "a fiscal period, not the calendar year or month a role holds"
    by_name = [r for r in RULES if r.words & words]
    fitting = [r.role for r in by_name if column.data_type in r.types]
    if len(fitting) > 1:
        return fitting, f"its name fits several roles ({', '.join(fitting)})"
    if not fitting and by_name:
        names = ", ".join(r.role for r in by_name)
        return [], f"its name suggests {names} but its data type is {column.data_type or 'unknown'}"
    return fitting, f"no role matches its name and data type ({column.data_type or 'unknown'})"


def _words(column: Column) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", f"{column.field} {column.name}".lower()))


def _town_like(placement: Placement) -> list[tuple[Column, str]]:
    """The unplaced columns whose name says town (with why each is unplaced), when no column is the town: the
    dataset is by town, so a statewide kind would be wrong for it."""
    if "town" in placement.placed:
        return []
    town = next(r for r in RULES if r.role == "town")
    return [(c, why) for c, why in placement.unplaced if _words(c) & town.words]


def choose_kind(placement: Placement, registry: Registry) -> KindChoice:
    """The existing kind whose required roles are all placed and whose table has every placed role (the one
    with the most required roles), else a new kind named after the placed roles. A town-like column left
    unplaced counts as the town, so that the kind chosen is one by town, and the note names that column."""
    blocking = _town_like(placement)
    if blocking:
        chosen = _kind_for(placement.roles | {"town"}, registry)
        by_reason: dict[str, list[str]] = {}
        for column, why in blocking:
            by_reason.setdefault(why, []).append(column.field)
        columns = "; ".join(f"{', '.join(fields)}: {why}" for why, fields in by_reason.items())
        note = (f"the dataset is by town but its town column is not placed: {columns}. Add `town: FIELD` to "
                f"`fields` before pasting; the registry refuses a {chosen.name} entry without it")
        return KindChoice(chosen.name, chosen.required_roles, chosen.existing,
                          "; ".join(n for n in (note, chosen.note) if n))
    return _kind_for(placement.roles, registry)


def _kind_for(roles: set[str], registry: Registry) -> KindChoice:
    fits = [k for k in registry.kinds if set(k.required_roles) <= roles and roles <= set(k.roles)]
    if fits:
        best = max(fits, key=lambda k: len(k.required_roles))
        others = [k.name for k in fits if k is not best]
        note = f"also fits: {', '.join(others)}" if others else ""
        return KindChoice(best.name, best.required_roles, existing=True, note=note)
    required = tuple(r for r in ROLES if r in roles)
    if "count" not in roles:
        return KindChoice(_kind_name(required), required, existing=False,
                          note="no column was placed as the count, and every kind needs one: map it in `fields`")
    needs = "a new kind needs " + "; ".join(f"({n}) {item}" for n, item in enumerate(NEW_KIND_NEEDS, start=1))
    return KindChoice(_kind_name(required), required, existing=False, note=needs)


def _kind_name(required: tuple[str, ...]) -> str:
    dims = [r for r in required if r in NAME_ROLES]
    grain = "monthly" if "month" in required else "annual" if "year" in required else "snapshot"
    return "_".join([*dims, grain])
