"""Onboarding a dataset: `ctdss discover` lists the portal's DSS datasets, `ctdss inspect ID` proposes the registry
entry and the alias rows for one of them. Both read the portal through `ctdss.load.portal.PortalSource`, the loader's
client, and change nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from ctdss.errors import UserError
from ctdss.load.portal import PortalError, PortalSource
from ctdss.onboard.aliases import AliasSeed, MissingAlias, alias_seeds, missing_aliases, proposed_seed
from ctdss.onboard.entry import render
from ctdss.onboard.roles import NAME_ROLES, Column, KindChoice, Placement, choose_kind, columns_of, place
from ctdss.registry import DATASET_ID, Registry

DISTINCT_LIMIT = 1_000  # the 169 towns and a few extras fit many times over; more is not a list of names


@dataclass(frozen=True)
class Listed:
    id: str
    title: str
    updated_at: str | None
    fields: tuple[str, ...]
    registered_kind: str | None


@dataclass(frozen=True)
class Discovery:
    portal: str
    tag: str | None
    query: str | None
    listed: tuple[Listed, ...]
    total: int
    registered_unlisted: tuple[tuple[str, str], ...]
    """(id, kind) of the registered datasets this listing does not show."""


@contextlib.contextmanager
def _reading(command: str) -> Iterator[None]:
    """Onboarding only reads the portal: when it cannot be reached, say that, not what a load would say."""
    try:
        yield
    except PortalError as exc:
        if not exc.unreachable:
            raise
        raise UserError(
            f"{exc.failure}. `ctdss {command}` only reads the portal, so nothing was changed. Check the network, "
            f"a proxy, or the portal's address (--portal or CTDSS_PORTAL), and run it again."
        ) from None


def discover(source: PortalSource, registry: Registry, tag: str | None, query: str | None) -> Discovery:
    with _reading("discover"):
        results, total = source.catalogue(tag, query)
    kinds = {ds.id: ds.kind for ds in registry.datasets()}
    listed = sorted((_listed(r.get("resource") or {}, kinds) for r in results), key=lambda d: (d.title, d.id))
    shown = {d.id for d in listed}
    unlisted = tuple((i, k) for i, k in sorted(kinds.items()) if i not in shown)
    return Discovery(source.portal, tag, query, tuple(listed), total, unlisted)


def _listed(resource: dict, kinds: dict[str, str]) -> Listed:
    ds_id = str(resource.get("id"))
    updated = resource.get("data_updated_at") or resource.get("updatedAt")
    fields = tuple(str(f) for f in resource.get("columns_field_name") or ())
    return Listed(ds_id, str(resource.get("name") or ""), str(updated) if updated else None, fields, kinds.get(ds_id))


@dataclass
class Inspection:
    id: str
    title: str
    columns: list[Column]
    placement: Placement
    kind: KindChoice
    entry: str
    registered_kind: str | None
    distinct: dict[str, list[tuple[str | None, int]]] = field(default_factory=dict)
    seeds: dict[str, AliasSeed] = field(default_factory=dict)
    missing: dict[str, list[MissingAlias]] = field(default_factory=dict)


def inspect_dataset(source: PortalSource, registry: Registry, dataset_id: str) -> Inspection:
    if not DATASET_ID.fullmatch(dataset_id):
        raise UserError(f"{dataset_id!r} is not a Socrata dataset id: ids are two groups of four lower-case letters "
                        f"or digits, such as gjf6-ig4b. `ctdss discover` lists the DSS datasets and their ids.")
    with _reading("inspect"):
        metadata = _view(source, dataset_id)
    title = str(metadata.get("name") or "")
    columns = columns_of(metadata)
    if not columns:
        raise UserError(
            f"Dataset {dataset_id} ({title or 'untitled'}) lists no columns in /api/views/{dataset_id}.json, so there "
            f"is nothing to place: it may be a chart, map, story or file rather than a table of rows. Inspect the "
            f"table it is built on; `ctdss discover` lists the portal's datasets."
        )
    placement = place(columns, title)
    kind = choose_kind(placement, registry)
    registered = {ds.id: ds.kind for ds in registry.datasets()}.get(dataset_id)
    found = Inspection(dataset_id, title, columns, placement, kind, render(dataset_id, title, placement, kind),
                       registered)
    found.seeds = alias_seeds(NAME_ROLES)
    for role in NAME_ROLES:
        column = placement.placed.get(role)
        if column is None:
            continue
        with _reading("inspect"):
            found.distinct[role] = source.distinct_values(dataset_id, column.field, DISTINCT_LIMIT)
        seed = found.seeds.setdefault(role, proposed_seed(role))
        found.missing[role] = missing_aliases(seed, found.distinct[role])
    return found


def _view(source: PortalSource, dataset_id: str) -> dict:
    try:
        return source.view(dataset_id)
    except PortalError as exc:
        if exc.status != 404:
            raise
        raise UserError(
            f"The portal {source.portal} has no dataset {dataset_id}: /api/views/{dataset_id}.json answered "
            f"HTTP 404. Check the id (the 4x4 code at the end of the dataset's address); `ctdss discover` lists the "
            f"DSS datasets the portal serves. Nothing was changed."
        ) from None
