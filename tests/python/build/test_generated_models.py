"""What every dataset kind shares is generated from the registry: the committed files are exactly what `make generate`
writes, a hand edit to one is caught, and a kind added to the registry gets its staging model, its bounded model,
its branch of the union and its place in the checks that cover every kind."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from support.warehouse_fixtures import REPO

from ctdss.build import generate as models
from ctdss.errors import UserError
from ctdss.registry import Dataset, Geography, Kind, Period, load_registry

ETHNICITY = Kind(
    name="town_ethnicity_annual",
    required_roles=("town", "ethnicity", "year", "count"),
    datasets=(Dataset(id="eth1-2023", kind="town_ethnicity_annual", title="People Served by Town and Ethnicity",
                      fields={"town": "town", "ethnicity": "ethnicity", "year": "year", "count": "people_served"}),),
    geography=Geography.TOWN,
    period=Period.YEAR,
    series="town_ethnicity_annual",
)


def _registry_with(kind: Kind):
    registry = load_registry(REPO / models.STAGING / "_socrata__sources.yml")
    return replace(registry, kinds=(*registry.kinds, kind))


def _project_copy(tmp_path: Path) -> Path:
    """The folders the generator reads and writes (the registry, the docs blocks), so that a test may change them."""
    for folder in ("models", models.SINGULAR_TESTS):
        shutil.copytree(REPO / folder, tmp_path / folder)
    return tmp_path


def test_the_committed_files_are_what_the_registry_generates():
    assert models.differences(REPO) == []


def test_a_hand_edit_to_a_generated_model_is_found_and_undone(tmp_path):
    project = _project_copy(tmp_path)
    edited = models.STAGING / "stg_socrata__town_race_annual.sql"
    text = (project / edited).read_text(encoding="utf-8")
    (project / edited).write_text(text.replace("race_aliases", "race_aliases_by_hand"), encoding="utf-8")

    assert models.differences(project) == [edited]
    assert models.write(project) == [edited]
    assert (project / edited).read_text(encoding="utf-8") == text


def test_a_new_kind_gets_its_models_its_union_branch_and_its_checks():
    files = models.generated(_registry_with(ETHNICITY), models.doc_blocks(REPO))
    staging = files[models.STAGING / "stg_socrata__town_ethnicity_annual.sql"]
    bounded = files[models.PARTICIPATION / "int_town_ethnicity_annual_bounded.sql"]

    assert "{{ source('socrata', 'town_ethnicity_annual') }}" in staging
    assert "left join ethnicity_aliases" in staging
    assert "coalesce(ethnicity_aliases.ethnicity_key, '__unmapped__') as ethnicity_key" in staging
    assert "{{ parse_calendar_year('year_as_published') }} as calendar_year" in staging
    assert "'ethnicity_key': 'ethnicity_key'" in bounded
    # Every kind's bounded model gets the new category's columns, so that the union's branches stay alike.
    for path, text in files.items():
        if path.name.endswith("_bounded.sql") and path.name != "int_participation_bounded.sql":
            assert "dataset_kinds(), ['race', 'ethnicity'])" in text, path
    assert "{{ ref('int_town_ethnicity_annual_bounded') }}" in files[
        models.PARTICIPATION / "int_participation_bounded.sql"]
    assert "{{ source('socrata', 'town_ethnicity_annual') }}" in files[
        models.SINGULAR_TESTS / "assert_staging_keeps_every_raw_row.sql"]
    assert "{{ ref('fct_town_ethnicity_participation_annual') }}" in files[
        models.SINGULAR_TESTS / "assert_every_row_reaches_a_fact_or_the_quarantine.sql"]


def test_a_new_kind_s_models_are_documented_and_its_names_are_checked_against_its_seed():
    files = models.generated(_registry_with(ETHNICITY), models.doc_blocks(REPO))
    documented = yaml.safe_load(files[models.STAGING / "_socrata__models.yml"])
    entry = next(m for m in documented["models"] if m["name"] == "stg_socrata__town_ethnicity_annual")
    columns = {c["name"]: c for c in entry["columns"]}
    assert list(columns)[:5] == ["source_row_id", "source_dataset_id", "load_id", "town_key", "ethnicity_key"]
    # No docs block describes an ethnicity yet: the column says what it is rather than naming a missing block.
    assert columns["ethnicity_key"]["description"] == "The ethnicity's key, from the seed `ethnicity_aliases`."
    assert columns["town_key"]["description"] == '{{ doc("town_key") }}'
    [check] = [t["names_are_mapped"] for t in columns["ethnicity_key"]["data_tests"] if isinstance(t, dict)]
    assert check["name"] == "stg_socrata__town_ethnicity_annual_ethnicity_names_are_mapped"
    assert check["arguments"] == {"raw_column": "ethnicity_as_published", "unmapped_key": "__unmapped__"}
    assert check["config"]["meta"] == {"seed": "seeds/ethnicity_aliases.csv"}
    participation = yaml.safe_load(files[models.PARTICIPATION / "_participation__kinds.yml"])
    bounded = {m["name"]: m for m in participation["models"]}
    for name in ("int_town_ethnicity_annual_bounded", "int_town_race_annual_bounded", "int_participation_bounded"):
        assert {"ethnicity_key", "ethnicity_as_published", "race_key"} <= {c["name"] for c in bounded[name]["columns"]}
    grain = entry["data_tests"][1]["unique_combination"]
    assert grain["arguments"]["combination_of_columns"] == ["source_dataset_id", "town_key", "ethnicity_key",
                                                            "calendar_year"]


def test_the_files_of_a_kind_no_longer_registered_are_removed(tmp_path):
    project = _project_copy(tmp_path)
    models.write(project, _registry_with(ETHNICITY))
    assert (project / models.STAGING / "stg_socrata__town_ethnicity_annual.sql").exists()

    removed = models.write(project)

    assert models.STAGING / "stg_socrata__town_ethnicity_annual.sql" in removed
    assert models.PARTICIPATION / "int_town_ethnicity_annual_bounded.sql" in removed
    assert models.differences(project) == []


def test_a_kind_naming_an_unknown_map_is_refused_naming_the_kind_and_role():
    odd = replace(ETHNICITY, names={"ethnicity": "ethnicity_codes"})
    with pytest.raises(UserError, match=r"`town_ethnicity_annual`.*`ethnicity_codes`.*`ethnicity`"):
        models.generated(_registry_with(odd), set())


@pytest.mark.parametrize(("series", "fact"), [
    ("town_race_annual", "fct_town_race_participation_annual"),
    ("program_monthly", "fct_program_participation_monthly"),
    ("assistance_type_annual", "fct_assistance_type_participation_annual"),
])
def test_a_series_is_read_into_the_fact_named_after_it(series, fact):
    assert models.fact_of(series) == fact
