"""Shared pytest fixtures: the local Socrata emulator and a warehouse built from the bundled sample."""

from emulator_fixtures import *  # noqa: F403
from warehouse_fixtures import *  # noqa: F403
