"""Shared pytest fixtures: the local Socrata emulator and a warehouse built from the bundled sample."""

import pytest
from support.emulator_fixtures import *  # noqa: F403
from support.warehouse_fixtures import *  # noqa: F403


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules with `slow` tests (they run dbt, or wait for the session's build) first, each kept whole.
    pytest-xdist hands whole modules to its workers in this order (the Makefile turns off its reordering by test
    count), so the long modules start early and the short ones fill in at the end: ordered by test count, a long
    module with few tests came last and ran alone on one worker for over a minute while the other core idled."""
    slow = {item.module for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.module not in slow)  # stable: collection order within each group
