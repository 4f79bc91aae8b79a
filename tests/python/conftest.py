"""Shared pytest fixtures: the local Socrata emulator and a warehouse built from the bundled sample."""

from support.emulator_fixtures import *  # noqa: F403
from support.warehouse_fixtures import *  # noqa: F403
