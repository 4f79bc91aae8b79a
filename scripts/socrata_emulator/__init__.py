"""The local Socrata emulator, shared by the test suite and the benchmark harness.

It lives here, beside the `ctdss` package and installed with it by `make setup`, rather than under tests/: the
benchmark (bench/) serves its scaled data through the same emulator, and a tool of the project must not import
from the test suite. `server` is the emulator the tests drive (faults, request log); `readonly` serves large
snapshots for the benchmark without the tests' per-request copies.
"""

from socrata_emulator import server
from socrata_emulator.server import *  # noqa: F403 (the package's names are the server module's)

__all__ = server.__all__
