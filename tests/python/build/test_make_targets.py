"""The Makefile's verbs each mean one thing: `make update` lands from the portal, builds and publishes, `make
models` and `make models-changed` are the dbt step. The old names (`build` meant three things) still run the same
recipes for one release, and `make help` says which new name each stands for."""

from __future__ import annotations

import subprocess

import pytest
from support.warehouse_fixtures import REPO

RENAMED = {"build": "update", "refresh": "update", "dbt-build": "models", "dbt-refresh": "models-changed"}


def make(*args: str) -> str:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize(("old", "new"), RENAMED.items())
def test_an_old_name_runs_the_new_targets_recipe(old: str, new: str):
    assert make("-n", old) == make("-n", new)


def test_help_names_the_new_verb_for_each_old_one():
    lines = {line.split()[1]: line for line in make("help").splitlines() if line.startswith("  make ")}
    for old, new in RENAMED.items():
        assert f"Old name of `make {new}`" in lines[old]
        assert "Old name" not in lines[new]


def test_update_lands_builds_what_changed_audits_and_publishes():
    recipe = make("-n", "update")
    steps = ["ctdss load", "ctdss build ||", "ctdss lineage", "ctdss audit", "ctdss publish --changed"]
    places = [recipe.find(step) for step in steps]
    assert -1 not in places and places == sorted(places), recipe
