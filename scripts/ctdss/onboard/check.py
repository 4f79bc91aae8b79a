"""`ctdss check`: every registered dataset against the portal, before any load. Reads only, through the loader's
client (`ctdss.load.portal.PortalSource`: token, retries, deadlines).

For each dataset it finds whether the portal serves it, whether every registry field is still served (and, where
one is not, which served field the role placement of `ctdss inspect` would put in its place), whether the kind
still fits, the spellings of its name-like columns that the alias seeds do not map, its vintage and row count,
and whether the loader's own contract check would let it load. A dataset the portal refuses is a finding, not an
error: the others are still checked. Only a portal that cannot be reached at all stops the check.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from ctdss.config import REGISTRY_PATH
from ctdss.errors import LoadFailure, UserError
from ctdss.load.contract import Vintage, check_contract, vintage
from ctdss.load.portal import PortalError, PortalSource
from ctdss.onboard.aliases import AliasSeed, MissingAlias, alias_seeds, missing_aliases, staging_seeds
from ctdss.onboard.onboarding import DISTINCT_LIMIT
from ctdss.onboard.roles import NAME_ROLES, RULES, Column, columns_of, contenders, fits_type, place
from ctdss.registry import Dataset, Registry

# The staging models' properties, which name the seed each kind maps a role's spellings through (dbt reads this
# file, whatever registry copy the check reads).
MODELS_FILE = REGISTRY_PATH.with_name("_socrata__models.yml")


class Reach(StrEnum):
    """Whether the portal serves a dataset to an anonymous (or token) reader."""

    SERVED = "served"
    PRIVATE = "private"  # HTTP 403: private, or withdrawn from public view
    MISSING = "missing"  # HTTP 404: a wrong id, or removed
    FAILED = "failed"  # anything else, once the client's retries are spent


class FieldState(StrEnum):
    """A registry field against the served columns."""

    SERVED = "served"
    RENAMED = "renamed"  # not served; exactly one served column fits the role in its place
    AMBIGUOUS = "ambiguous"  # not served; several served columns could fit the role
    GONE = "gone"  # not served; no served column fits the role


@dataclass(frozen=True)
class FieldFinding:
    role: str
    field: str
    state: FieldState
    candidates: tuple[str, ...] = ()
    """The served fields that could hold the role in its place (RENAMED: the one; AMBIGUOUS: all of them)."""

    @property
    def proposal(self) -> str | None:
        return self.candidates[0] if self.state is FieldState.RENAMED else None

    def sentence(self) -> str:
        """The finding in the words the report and `--apply` print (a served field has none)."""
        where = f"{self.role}: {self.field} is not served"
        if self.state is FieldState.RENAMED:
            return f"{where}; {self.proposal} takes its place (a rename --apply writes)."
        if self.state is FieldState.GONE:
            return f"{where}; no served field fits the role."
        if len(self.candidates) > 1:
            return (f"{where}; {' and '.join(self.candidates)} could each take its place, so none is proposed: "
                    f"pick one in the registry.")
        return (f"{where}; {self.candidates[0]} could take its place, but its name fits another role too, so it "
                f"is not proposed: map it in the registry if it is the {self.role}.")


@dataclass(frozen=True)
class NameFinding:
    """The distinct values of one name-like column, and the spellings its alias seed does not map."""

    role: str
    field: str
    values: tuple[tuple[str | None, int], ...] = ()
    seed: AliasSeed | None = None
    missing: tuple[MissingAlias, ...] = ()
    error: str = ""  # why the portal did not give the distinct values ($group refused, too slow, ...)

    @property
    def capped(self) -> bool:
        return len(self.values) >= DISTINCT_LIMIT


@dataclass
class DatasetCheck:
    dataset: Dataset
    reach: Reach
    problem: str = ""
    """Why the dataset is not served, in the words the report prints (empty when it is served)."""
    title: str = ""
    fields: list[FieldFinding] = field(default_factory=list)
    kind_problems: list[str] = field(default_factory=list)
    names: list[NameFinding] = field(default_factory=list)
    vintage: Vintage | None = None
    row_count: int | None = None
    load_failure: str | None = None
    """The loader's refusal as the registry stands, None when it would load."""
    failure_after_apply: str | None = None
    """The same once `--apply` has written the unambiguous renames."""

    @property
    def loads(self) -> bool:
        return self.reach is Reach.SERVED and self.load_failure is None

    @property
    def loads_after_apply(self) -> bool:
        return self.reach is Reach.SERVED and self.failure_after_apply is None

    def renames(self) -> dict[str, tuple[str, str]]:
        """role -> (registry field, served field) for every rename `--apply` writes."""
        return {f.role: (f.field, f.proposal) for f in self.fields if f.proposal}


@dataclass(frozen=True)
class Check:
    portal: str
    registry: Path
    datasets: tuple[DatasetCheck, ...]

    @property
    def failing(self) -> list[DatasetCheck]:
        return [c for c in self.datasets if not c.loads]


def check_registry(source: PortalSource, registry: Registry, ids: list[str] | None = None,
                   seeds_dir: Path | None = None) -> Check:
    """Check the registered datasets (or those of `ids`) against the portal behind `source`."""
    datasets = registry.select(ids)
    required = {k.name: k.required_roles for k in registry.kinds}
    mapped = staging_seeds(MODELS_FILE)  # the staging models' file, read once for every kind
    seeds = {k.name: alias_seeds(NAME_ROLES, seeds_dir, mapped.get(f"stg_socrata__{k.name}"))
             for k in registry.kinds}
    checks = [_check_dataset(source, ds, required[ds.kind], registry.path, seeds[ds.kind]) for ds in datasets]
    return Check(source.portal, registry.path, tuple(checks))


def _check_dataset(source: PortalSource, ds: Dataset, required: tuple[str, ...], registry_path: Path,
                   seeds: dict[str, AliasSeed]) -> DatasetCheck:
    try:
        meta = source.view(ds.id)
    except (PortalError, LoadFailure) as exc:  # LoadFailure: the dataset's deadline passed
        return _refused(source, ds, exc, f"/api/views/{ds.id}.json")
    title = str(meta.get("name") or "")
    columns = [c for c in columns_of(meta) if not c.field.startswith(":")]
    found = DatasetCheck(ds, Reach.SERVED, title=title, vintage=vintage(meta))
    found.fields = [_field_finding(ds, role, name, columns, title) for role, name in ds.fields.items()]
    renamed = {**ds.fields, **{role: new for role, (_, new) in found.renames().items()}}
    found.kind_problems = _kind_problems(ds, required, renamed, columns)
    found.load_failure = _refusal(ds, meta, registry_path)
    found.failure_after_apply = _refusal(replace(ds, fields=renamed), meta, registry_path)
    try:
        found.row_count = source.row_count(ds)
        found.names = [_names(source, ds, role, renamed[role], seeds.get(role))
                       for role in NAME_ROLES if role in renamed and renamed[role] in {c.field for c in columns}]
    except (PortalError, LoadFailure) as exc:
        # The metadata was served but the rows were not: keep what the metadata showed.
        refused = _refused(source, ds, exc, f"/resource/{ds.id}.json")
        found.reach, found.problem = refused.reach, refused.problem
    return found


def _refused(source: PortalSource, ds: Dataset, exc: UserError, endpoint: str) -> DatasetCheck:
    """The finding for a dataset the portal did not serve; a portal that cannot be reached stops the check."""
    status = getattr(exc, "status", None)
    if isinstance(exc, PortalError) and exc.unreachable:
        raise UserError(
            f"`ctdss check` could not reach the Socrata portal at {source.portal} ({exc.reason}), so no dataset "
            f"was checked and no file was changed. Check the network, a proxy, or the address given by --portal "
            f"or CTDSS_PORTAL. To try the check offline, `ctdss portal serve` runs a local portal serving the "
            f"synthetic sample."
        ) from None
    if status == 403:  # Socrata's answer to a reader not allowed a private dataset
        return DatasetCheck(ds, Reach.PRIVATE, (
            f"Private or withdrawn: the portal answered HTTP 403 for {endpoint}. A load would fail; ask the "
            f"publisher whether it moved to another id, or remove its entry from the registry."))
    if status == 404:
        return DatasetCheck(ds, Reach.MISSING, (
            f"Wrong id or removed: the portal answered HTTP 404 for {endpoint}. A load would fail; `ctdss "
            f"discover` lists the ids the portal serves, or remove its entry from the registry."))
    return DatasetCheck(ds, Reach.FAILED, str(exc))


def _field_finding(ds: Dataset, role: str, name: str, columns: list[Column], title: str) -> FieldFinding:
    """A registry field, and where it is no longer served, the served field that takes its place if exactly one
    can: the one `place` puts in the role among the columns the registry does not map to another role."""
    if name in {c.field for c in columns}:
        return FieldFinding(role, name, FieldState.SERVED)
    others = {f for r, f in ds.fields.items() if r != role}
    free = [c for c in columns if c.field not in others]
    fitting = tuple(c.field for c in contenders(free, role))
    placed = place(free, title).placed.get(role)
    if len(fitting) == 1 and placed is not None and placed.field == fitting[0]:
        return FieldFinding(role, name, FieldState.RENAMED, fitting)
    # Several columns fit, or the one that fits is not placed there (its name fits another role too).
    return FieldFinding(role, name, FieldState.AMBIGUOUS if fitting else FieldState.GONE, fitting)


def _kind_problems(ds: Dataset, required: tuple[str, ...], fields: dict[str, str], columns: list[Column]) -> list[str]:
    """Why the dataset no longer fits its kind, with the renames applied: a required role without a served field
    or a constant, or a role read from a column whose data type cannot hold it."""
    types = {c.field: c.data_type for c in columns}
    problems = [f"the required role {role} has no served field" for role in required
                if role not in ds.constants and fields.get(role) not in types]
    for role, name in fields.items():
        if name in types and not fits_type(role, types[name]):
            expected = " or ".join(sorted(next(r.types for r in RULES if r.role == role)))
            problems.append(f"{role} is read from {name}, served as {types[name] or 'an unknown type'}, "
                            f"where a {role} is {expected}")
    return problems


def _refusal(ds: Dataset, meta: dict, registry_path: Path) -> str | None:
    """The loader's own contract check of the served metadata against the entry: its refusal, or None."""
    try:
        check_contract(ds, meta, registry_path)
    except LoadFailure as exc:
        return str(exc)
    return None


def _names(source: PortalSource, ds: Dataset, role: str, name: str, seed: AliasSeed | None) -> NameFinding:
    try:
        values = tuple(source.distinct_values(ds.id, name, DISTINCT_LIMIT))
    except PortalError as exc:
        if exc.status in (403, 404) or exc.unreachable:
            raise
        why = f"HTTP {exc.status}" if exc.status else "no answer"
        return NameFinding(role, name, seed=seed, error=f"the portal refused the $group query ({why}); "
                           "the build's names_are_mapped tests still check the spellings")
    except LoadFailure:  # the dataset's deadline passed: a $group too slow for a large dataset
        return NameFinding(role, name, seed=seed, error="the $group query did not finish within the dataset's "
                           "deadline (CTDSS_DATASET_DEADLINE); the build's names_are_mapped tests still check them")
    missing = tuple(missing_aliases(seed, list(values))) if seed else ()
    return NameFinding(role, name, values, seed, missing)
