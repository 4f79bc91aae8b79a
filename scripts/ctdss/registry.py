"""The dataset registry: which Socrata datasets land in which raw table, and where each role is read from.

The registry is the dbt sources file (models/staging/socrata/_socrata__sources.yml); see its header. This module
reads and validates it, so a mistake in the file stops the loader with the entry to fix, before any request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import yaml

from ctdss import config
from ctdss.errors import UserError

ROLES = (
    "town", "program", "assistance_type", "medical_benefit_plan", "race", "ethnicity", "year", "month", "count",
)
DATASET_ID = re.compile(r"^[a-z0-9]{4}-[a-z0-9]{4}$")
KIND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Socrata field names are lower-case letters, digits and underscores. They reach SoQL ($where), so they are
# checked here; in DuckDB SQL every identifier is quoted as well.
FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,127}$")


class RefreshMode(StrEnum):
    """How a dataset is re-pulled when it changes: in full, or only its last `window_months` months."""

    FULL = "full"
    WINDOW = "window"


class Geography(StrEnum):
    """Where a kind's counts are: per town (recipients can move between towns) or for the whole state."""

    TOWN = "town"
    STATEWIDE = "statewide"


class Period(StrEnum):
    """What period one count of a kind covers."""

    YEAR = "year"
    MONTH = "month"


@dataclass(frozen=True)
class Refresh:
    mode: RefreshMode = RefreshMode.FULL
    window_months: int | None = None


@dataclass(frozen=True)
class Dataset:
    id: str
    kind: str
    title: str
    fields: dict[str, str]
    constants: dict[str, str] = field(default_factory=dict)
    refresh: Refresh = Refresh()
    coverage: tuple[str, str] | None = None  # first and last period published, as last seen (informational)


@dataclass(frozen=True)
class Kind:
    """One raw table. Its properties are what the models read to decide behaviour (see the registry's header)."""

    name: str
    required_roles: tuple[str, ...]
    datasets: tuple[Dataset, ...]
    geography: Geography = Geography.STATEWIDE
    period: Period = Period.YEAR
    series: str = ""
    names: dict[str, str] = field(default_factory=dict)  # role -> the map its names go through (build.name_maps)
    incremental: bool = False  # its bounded model rebuilds only the months a load revised

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role column the kind's table has, in a fixed order."""
        used = set(self.required_roles)
        for ds in self.datasets:
            used.update(ds.fields)
            used.update(ds.constants)
        return tuple(r for r in ROLES if r in used)


@dataclass(frozen=True)
class Registry:
    path: Path
    kinds: tuple[Kind, ...]

    def datasets(self) -> list[Dataset]:
        return [ds for kind in self.kinds for ds in kind.datasets]

    def kind(self, name: str) -> Kind:
        for kind in self.kinds:
            if kind.name == name:
                return kind
        raise KeyError(name)

    def select(self, ids: list[str] | None) -> list[Dataset]:
        """The datasets to load: all of them, or the given ids (an unknown id is an error)."""
        if not ids:
            return self.datasets()
        known = {ds.id: ds for ds in self.datasets()}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise UserError(
                f"Unknown dataset id(s) {', '.join(unknown)}: the registry ({self.path}) lists "
                f"{', '.join(sorted(known))}. Add an entry to the registry to load another dataset."
            )
        return [known[i] for i in ids]


def _fail(path: Path, where: str, problem: str) -> UserError:
    return UserError(f"The dataset registry {path} is invalid at {where}: {problem}. Fix that entry and run again.")


def load_registry(path: Path | None = None) -> Registry:
    path = path or config.registry_path()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"Cannot read the dataset registry {path}: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        raise UserError(f"The dataset registry {path} is not valid YAML: {exc}. Fix the file and run again.") from None
    sources = [s for s in (doc or {}).get("sources", []) if s.get("name") == "socrata"]
    if len(sources) != 1:
        raise _fail(path, "sources", "expected exactly one source named `socrata`")
    kinds: list[Kind] = []
    seen_ids: set[str] = set()
    for table in sources[0].get("tables") or []:
        kinds.append(_parse_kind(path, table, seen_ids))
    if not kinds:
        raise _fail(path, "sources.socrata.tables", "no tables")
    return Registry(path=path, kinds=tuple(kinds))


def _parse_kind(path: Path, table: dict, seen_ids: set[str]) -> Kind:
    name = str(table.get("name", ""))
    where = f"table `{name}`"
    if not KIND_NAME.match(name):
        raise _fail(path, where, "a table name must be lower-case letters, digits and underscores")
    meta = (table.get("config") or {}).get("meta") or {}
    required = tuple(meta.get("required_roles") or ())
    bad = [r for r in required if r not in ROLES]
    if bad:
        raise _fail(path, where, f"unknown role(s) {bad} in required_roles; roles are {list(ROLES)}")
    geography, period, series = _kind_properties(path, where, meta)
    datasets = []
    for entry in meta.get("datasets") or []:
        ds = _parse_dataset(path, name, required, entry or {})
        if ds.id in seen_ids:
            raise _fail(path, f"{where}, dataset {ds.id}", "the id is registered twice")
        seen_ids.add(ds.id)
        datasets.append(ds)
    return Kind(name=name, required_roles=required, datasets=tuple(datasets), geography=geography, period=period,
                series=series, names={str(k): str(v) for k, v in (meta.get("names") or {}).items()},
                incremental=bool(meta.get("incremental", False)))


def _kind_properties(path: Path, where: str, meta: dict) -> tuple[Geography, Period, str]:
    try:
        geography = Geography(str(meta.get("geography", "")))
        period = Period(str(meta.get("period", "")))
    except ValueError:
        raise _fail(path, where, f"`geography` must be one of {[g.value for g in Geography]} and `period` one of "
                                 f"{[p.value for p in Period]}") from None
    series = str(meta.get("series", ""))
    if not KIND_NAME.match(series):
        raise _fail(path, where, "`series` (the fact series the kind feeds) must be a snake-case name")
    if geography is Geography.TOWN and "town" not in meta.get("required_roles", ()):
        raise _fail(path, where, "a town kind needs `town` in its required_roles")
    return geography, period, series


def _parse_dataset(path: Path, kind: str, required: tuple[str, ...], entry: dict) -> Dataset:
    ds_id = str(entry.get("id", ""))
    where = f"table `{kind}`, dataset `{ds_id or '?'}`"
    if not DATASET_ID.match(ds_id):
        raise _fail(path, where, "`id` must be a Socrata 4x4 id such as `abcd-1234`")
    fields = {str(k): str(v) for k, v in (entry.get("fields") or {}).items()}
    constants = {str(k): str(v) for k, v in (entry.get("constants") or {}).items()}
    for role in [*fields, *constants]:
        if role not in ROLES:
            raise _fail(path, where, f"unknown role `{role}`; roles are {list(ROLES)}")
    for role, name in fields.items():
        if not FIELD_NAME.match(name):
            raise _fail(path, where, f"field name `{name}` for role `{role}` is not a Socrata field name")
    both = sorted(set(fields) & set(constants))
    if both:
        raise _fail(path, where, f"role(s) {both} are given both a field and a constant")
    missing = [r for r in required if r not in fields and r not in constants]
    if missing:
        raise _fail(path, where, f"required role(s) {missing} have neither a field nor a constant")
    if len(set(fields.values())) != len(fields):
        raise _fail(path, where, "two roles are read from the same field")
    refresh_doc = entry.get("refresh") or {"mode": "full"}
    mode = refresh_doc.get("mode", "full")
    if mode not in tuple(RefreshMode):
        raise _fail(path, where, f"refresh mode `{mode}` is not one of {[str(m) for m in RefreshMode]}")
    mode = RefreshMode(mode)
    window = refresh_doc.get("window_months")
    if mode is RefreshMode.WINDOW:
        if not isinstance(window, int) or window < 1:
            raise _fail(path, where, "a `window` refresh needs a positive integer `window_months`")
        if "month" not in fields:
            raise _fail(path, where, "a `window` refresh needs the `month` role read from a field")
    coverage = entry.get("coverage")
    if coverage is not None and not (
        isinstance(coverage, dict) and {"from", "to"} <= set(coverage) and str(coverage["from"]) <= str(coverage["to"])
    ):
        raise _fail(path, where, "`coverage` must be {from: PERIOD, to: PERIOD} with from <= to")
    return Dataset(
        id=ds_id,
        kind=kind,
        title=str(entry.get("title", "")),
        fields=fields,
        constants=constants,
        refresh=Refresh(mode=mode, window_months=window if mode is RefreshMode.WINDOW else None),
        coverage=(str(coverage["from"]), str(coverage["to"])) if coverage else None,
    )

# What a dataset of a new kind needs besides its dataset entry: `ctdss inspect` prints this list and the README's
# "Where to change what" repeats it (a test holds them together).
NEW_KIND_NEEDS = (
    "its table in `models/staging/socrata/_socrata__sources.yml`, as `ctdss inspect` prints it, with a `coverage`",
    "a seed `seeds/<role>_aliases.csv` (`alias_key,<role>_key`) for a name role no seed maps yet",
    "for a new series, its fact `models/marts/fct_<subject>_participation_<period>.sql` and its contract",
    "`make generate` and `make sample`: they write its staging and bounded models, its place in the union and "
    "the checks, and its sample",
)
