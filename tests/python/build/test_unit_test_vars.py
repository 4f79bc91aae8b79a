"""The dbt unit tests pin the vars their expectations rely on (the suppression threshold, the upper bound of a
published 0, the refresh window, the largest plausible count), so that a project that sets other values still
passes them: the expectations are written for the pinned values, not for whatever dbt_project.yml holds."""

from __future__ import annotations

import pytest
from support.warehouse_fixtures import copy_warehouse, dbt_env, run_dbt

from ctdss.build.runner import project_vars

pytestmark = pytest.mark.slow

# A value of each var that no unit test's expectation holds under, unless the test pins its own.
OTHER_VALUES = {
    "suppression_threshold": 50,
    "source_zero_upper_bound": 9,
    "refresh_window_months": 1,
    "max_plausible_count": 10,
}


def test_the_other_values_differ_from_the_projects():
    project = project_vars()
    assert {name: project[name] for name in OTHER_VALUES}.items().isdisjoint(OTHER_VALUES.items())


def test_the_unit_tests_pass_whatever_the_project_sets(built_warehouse, tmp_path):
    db = copy_warehouse(built_warehouse, tmp_path)
    other = "{" + ", ".join(f"{name}: {value}" for name, value in OTHER_VALUES.items()) + "}"
    result = run_dbt(["test", "--select", "test_type:unit", "--vars", other], dbt_env(db), tmp_path / "target")
    failures = [line for line in result.stdout.splitlines() if "Failure in unit_test" in line]
    assert failures == [] and result.returncode == 0, "\n".join(failures) or result.stdout[-5000:]
    assert "PASS=" in result.stdout
