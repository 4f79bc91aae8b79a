"""The Source interface: where a load reads a dataset's metadata and rows from.

Two sources implement it: the live portal (`ctdss.load.portal.PortalSource`) and a snapshot directory
(`ctdss.load.snapshot.SnapshotSource`). What differs between them is named here, so the loader never asks which one
it has.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import duckdb

from ctdss.load.contract import Vintage
from ctdss.registry import Dataset

AlreadyLanded = Callable[[Dataset, dict], bool]
"""Whether a dataset's metadata (as /api/views/{id}.json gives it) shows the vintage last landed."""


class Source(Protocol):
    description: str
    """What the rows come from, as raw._load_audit records it ("portal https://..." or "snapshot DIR")."""
    synthetic: bool
    """True when the rows are the bundled synthetic sample; every landed row carries it."""
    origin: str | None
    """The portal the rows come from, recorded in an extracted snapshot; None when unknown."""
    serves_windows: bool
    """True when `fetch` honours `where`, so a window refresh pulls only its months instead of everything."""

    def holds(self, ds: Dataset) -> bool:
        """Whether the source has the dataset at all. A snapshot may hold only some of the registered datasets;
        the portal is asked for each one as it is read, so it holds them all until reading one fails."""
        ...

    def metadata(self, ds: Dataset) -> dict:
        """The dataset's /api/views/{id}.json metadata."""
        ...

    def fetch(self, ds: Dataset, where: str | None, workdir: Path, on_page: Callable[[int], None]) -> list[Path]:
        """The dataset's rows as JSON-array files (written to `workdir` if they are pulled), calling `on_page`
        with each file's row count (and with minus the rows reported so far, should a pull start again)."""
        ...

    def preflight(self, datasets: list[Dataset], registry_path: Path, landed: AlreadyLanded) -> str | None:
        """The first problem that refuses the whole load before any dataset lands, or None. `landed` says
        whether a dataset's metadata shows the vintage already landed: such a dataset will be skipped."""
        ...

    def confirm_vintage(self, ds: Dataset, before: Vintage | None) -> None:
        """Raise a LoadFailure if the dataset changed after its metadata was read, so its rows may mix two
        versions."""
        ...

    def check_rows(self, con: duckdb.DuckDBPyConnection, ds: Dataset, files: list[Path], served: list[str]) -> None:
        """Raise a LoadFailure if the fetched rows carry a field the metadata does not list."""
        ...

    def close(self) -> None: ...
