"""Fixtures that start the local Socrata emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import loader_data

from socrata_emulator import SocrataEmulator

__all__ = ["loaded_portal", "sample_dir", "socrata_emulator"]

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def socrata_emulator() -> Iterator[Callable[[Path | None], SocrataEmulator]]:
    """A factory: `socrata_emulator(snapshot_dir)` starts an emulator serving that snapshot (None: no
    datasets). Every emulator it started is stopped at teardown."""
    started: list[SocrataEmulator] = []

    def make(snapshot_dir: Path | None = None) -> SocrataEmulator:
        emulator = SocrataEmulator(snapshot_dir).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()


@pytest.fixture
def loaded_portal(socrata_emulator, tmp_path) -> Callable[[Callable], tuple[SocrataEmulator, Path]]:
    """A factory: `loaded_portal(load)` starts an emulator serving the small loader datasets, lands them in a new
    warehouse with `load(emulator, db)` (which must succeed), then serves a newer publication of the monthly
    dataset. Returns (emulator, db)."""
    def make(load: Callable) -> tuple[SocrataEmulator, Path]:
        emulator = socrata_emulator(loader_data.write(tmp_path / "snapshot", loader_data.datasets()))
        db = tmp_path / "warehouse.duckdb"
        outcome = load(emulator, db)
        assert outcome.status == "loaded", outcome.error
        loader_data.newer_publication(emulator)
        return emulator, db

    return make


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled synthetic sample snapshot."""
    return REPO / "data" / "sample"
