"""The emulator's Discovery API (/api/catalog/v1) and its SoQL `$group` queries."""

from __future__ import annotations

import pytest
import requests

from socrata_emulator import SocrataEmulator


def meta(ds_id: str, name: str, tags: list[str], fields: list[str], rows_updated_at: int = 1_710_338_722) -> dict:
    return {"id": ds_id, "name": name, "description": f"About {name}", "tags": tags,
            "rowsUpdatedAt": rows_updated_at, "viewLastModified": rows_updated_at + 60,
            "columns": [{"id": i, "name": f.title(), "fieldName": f, "dataTypeName": "number" if f == "count"
                         else "text", "position": i + 1} for i, f in enumerate(fields)]}


@pytest.fixture
def emu(socrata_emulator) -> SocrataEmulator:
    emulator = socrata_emulator(None)
    emulator.add_dataset("aaaa-0001", meta("aaaa-0001", "Town counts", ["dss enrollment counts"],
                                           ["town", "count"]),
                         [{"town": "Andover", "count": "3"}, {"town": "Avon", "count": "0"},
                          {"town": "Andover", "count": "9"}, {"count": "1"}])
    emulator.add_dataset("bbbb-0002", meta("bbbb-0002", "Bridge inspections", ["transport"], ["bridge"]), [])
    for n in range(3, 8):
        emulator.add_dataset(f"cccc-000{n}", meta(f"cccc-000{n}", f"Monthly {n}", ["DSS Enrollment Counts"],
                                                  ["month", "count"]), [])
    return emulator


def catalogue(emu: SocrataEmulator, params: list[tuple[str, str]]) -> requests.Response:
    return requests.get(f"{emu.url}/api/catalog/v1", params=params, timeout=5)


def test_a_catalogue_result_has_the_discovery_api_shape(emu):
    body = catalogue(emu, [("domains", "127.0.0.1"), ("ids", "aaaa-0001")]).json()
    assert body["resultSetSize"] == 1
    resource = body["results"][0]["resource"]
    assert resource["id"] == "aaaa-0001" and resource["name"] == "Town counts"
    assert resource["columns_field_name"] == ["town", "count"]
    assert resource["columns_datatype"] == ["Text", "Number"]
    assert resource["data_updated_at"] == "2024-03-13T14:05:22.000Z"
    assert resource["updatedAt"] == "2024-03-13T14:06:22.000Z"
    assert body["results"][0]["classification"]["domain_tags"] == ["dss enrollment counts"]
    assert body["results"][0]["metadata"]["domain"] == "127.0.0.1"


def test_tags_match_whole_and_ignore_case(emu):
    body = catalogue(emu, [("tags", "dss enrollment counts")]).json()
    assert sorted(r["resource"]["id"] for r in body["results"]) == ["aaaa-0001", *[f"cccc-000{n}" for n in range(3, 8)]]
    assert catalogue(emu, [("tags", "dss")]).json()["resultSetSize"] == 0


def test_another_domain_lists_nothing(emu):
    assert catalogue(emu, [("domains", "data.ct.gov")]).json() == {
        "results": [], "resultSetSize": 0, "timings": {"serviceMillis": 1, "searchMillis": [0, 0]}}


def test_a_query_matches_words_of_names_descriptions_and_columns(emu):
    assert [r["resource"]["id"] for r in catalogue(emu, [("q", "bridge")]).json()["results"]] == ["bbbb-0002"]
    assert [r["resource"]["id"] for r in catalogue(emu, [("q", "town count")]).json()["results"]] == ["aaaa-0001"]


def test_paging_with_limit_and_offset_keeps_the_total(emu):
    params = [("tags", "dss enrollment counts"), ("order", "name")]
    pages = [catalogue(emu, [*params, ("limit", "4"), ("offset", str(o))]).json() for o in (0, 4, 8)]
    assert [p["resultSetSize"] for p in pages] == [6, 6, 6]
    names = [r["resource"]["name"] for p in pages for r in p["results"]]
    assert names == sorted(names) and len(names) == 6
    assert pages[2]["results"] == []


def test_deep_paging_and_unknown_parameters_are_refused(emu):
    assert catalogue(emu, [("limit", "100"), ("offset", "9950")]).status_code == 400
    assert catalogue(emu, [("categories", "health")]).status_code == 400


def test_the_catalogue_honours_status_faults(emu):
    emu.inject("status", path="catalog", status=503)
    assert catalogue(emu, []).status_code == 503
    assert catalogue(emu, []).status_code == 200


def resource(emu: SocrataEmulator, **params) -> requests.Response:
    return requests.get(f"{emu.url}/resource/aaaa-0001.json", params=params, timeout=5)


def test_group_counts_rows_per_value_with_the_null_group_absent_its_field(emu):
    rows = resource(emu, **{"$select": "town, count(*) AS n", "$group": "town", "$order": "town"}).json()
    assert rows == [{"town": "Andover", "n": "2"}, {"town": "Avon", "n": "1"}, {"n": "1"}]


def test_group_default_count_name_ordering_by_count_and_limit(emu):
    rows = resource(emu, **{"$select": "town, count(*)", "$group": "town", "$order": "count DESC",
                            "$limit": "1"}).json()
    assert rows == [{"town": "Andover", "count": "2"}]


def test_group_refuses_an_ungrouped_column_and_an_unknown_one(emu):
    bad = resource(emu, **{"$select": "town, count", "$group": "town"})
    assert bad.status_code == 400 and bad.json()["code"] == "query.compiler.malformed"
    unknown = resource(emu, **{"$select": "nope, count(*)", "$group": "nope"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "query.soql.no-such-column"
