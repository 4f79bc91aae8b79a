"""Fixtures that start the local Socrata emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.socrata_emulator import SocrataEmulator

__all__ = ["sample_dir", "socrata_emulator"]

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


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled synthetic sample snapshot."""
    return REPO / "data" / "sample"
