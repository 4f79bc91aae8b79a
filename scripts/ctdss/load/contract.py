"""The schema contract between a Socrata dataset, the registry and the raw table.

The raw table of a kind has one column per role, every other served field under its own name, and the provenance
columns below. A dataset's metadata (/api/views/{id}.json) must list every field the registry maps, and no served
field may clash with a role or provenance column. The metadata also gives the data's vintage: rowsUpdatedAt, or
viewLastModified for a dataset that does not publish rowsUpdatedAt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from ctdss.errors import LoadFailure
from ctdss.registry import ROLES, Dataset

PROVENANCE: tuple[tuple[str, str], ...] = (
    ("_load_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP"),
    ("_source_dataset_id", "VARCHAR"),
    ("_source_rows_updated_at", "TIMESTAMP"),
    ("_source_row_id", "VARCHAR"),
    ("_is_synthetic", "BOOLEAN"),
)


@dataclass(frozen=True)
class Contract:
    served: list[str]
    extras: list[str]


def check_contract(ds: Dataset, meta: dict, registry_path: Path) -> Contract:
    """Check the metadata's columns against the fields the registry maps. Returns served and extra fields.
    Errors name `registry_path`, the registry the dataset was read from, as the file to fix."""
    where = f"the entry for {ds.id} under table `{ds.kind}` in {registry_path}"
    columns = meta.get("columns")
    if not isinstance(columns, list) or not all(isinstance(c, dict) and c.get("fieldName") for c in columns):
        raise LoadFailure(
            f"The metadata of dataset {ds.id} has no usable `columns` list (each with a `fieldName`), so its "
            f"fields cannot be checked against {where}. Nothing was loaded."
        )
    served = [str(c["fieldName"]) for c in columns if not str(c["fieldName"]).startswith(":")]
    _check_listed_once(ds, served)
    missing = [(role, name) for role, name in ds.fields.items() if name not in served]
    if missing:
        wanted = ", ".join(f"`{name}` (role {role})" for role, name in missing)
        raise LoadFailure(
            f"Dataset {ds.id} ({ds.title}) does not serve the field(s) {wanted} that the registry maps. The "
            f"portal's metadata lists these fields: {', '.join(served) or 'none'}. If a field was renamed, edit "
            f"{where} (its `fields`) to map each role to one of them, then run again. Nothing was loaded."
        )
    mapped = set(ds.fields.values())
    extras = [name for name in served if name not in mapped]
    clashes = _clashes(served, extras)
    if clashes:
        raise LoadFailure(
            f"Dataset {ds.id} serves field(s) {', '.join(clashes)} whose names clash with the raw table's role "
            f"or provenance columns (or with each other, ignoring case). Map them to a role in {where}, or "
            f"report the dataset's schema change. Nothing was loaded."
        )
    return Contract(served=served, extras=extras)


def _check_listed_once(ds: Dataset, served: list[str]) -> None:
    """The metadata must list each fieldName once: twice is the portal contradicting itself, not a clash the
    registry could resolve."""
    twice = sorted({name for name in served if served.count(name) > 1})
    if twice:
        raise LoadFailure(
            f"The portal's metadata for dataset {ds.id} is inconsistent: it lists the field(s) "
            f"{', '.join(f'`{name}`' for name in twice)} twice in its `columns`, so which column the rows carry "
            f"under that name is unknown. Nothing was loaded and the previous data is unchanged. This is not "
            f"fixed in the registry: run again later, and report the dataset to the portal if it persists."
        )


def _clashes(served: list[str], extras: list[str]) -> list[str]:
    """Served fields that would collide in the raw table: with a role or provenance column, or with each other
    (DuckDB identifiers are case-insensitive)."""
    reserved = {r.lower() for r in ROLES} | {name.lower() for name, _ in PROVENANCE}
    clashes = [name for name in extras if name.lower() in reserved or name.startswith("_")]
    lowered = [name.lower() for name in served]
    clashes += sorted({name for name in served if lowered.count(name.lower()) > 1})
    return clashes


class Stamp(StrEnum):
    """The metadata timestamp that dates a dataset's rows."""

    ROWS_UPDATED_AT = "rowsUpdatedAt"
    VIEW_LAST_MODIFIED = "viewLastModified"


@dataclass(frozen=True)
class Vintage:
    """When the dataset's rows last changed, and which metadata timestamp says so."""

    stamp: Stamp
    at: datetime


def vintage(meta: dict) -> Vintage | None:
    """rowsUpdatedAt; else viewLastModified, so a dataset that does not publish rowsUpdatedAt is not reloaded on
    every run (viewLastModified also moves on metadata edits, which costs a reload, never a missed change)."""
    for stamp in Stamp:
        at = epoch(meta, stamp)
        if at is not None:
            return Vintage(stamp, at)
    return None


def rows_updated_at(meta: dict) -> datetime | None:
    """The dataset's rowsUpdatedAt (epoch seconds in the metadata) as a UTC timestamp: the data's vintage."""
    return epoch(meta, "rowsUpdatedAt")


def epoch(meta: dict, key: str) -> datetime | None:
    """A metadata timestamp (epoch seconds) as a naive UTC datetime, or None when it is absent or not a number."""
    value = meta.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    return None
