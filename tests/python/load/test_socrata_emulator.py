"""The local Socrata emulator: SoQL paging and filtering, the request log, fault injection, and shutdown."""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import time
from pathlib import Path

import pytest
import requests
from sodapy import Socrata

from socrata_emulator import MAX_LIMIT, SocrataEmulator, write_snapshot

DS, OTHER = "abcd-1234", "wxyz-9876"
PROGRAMS = ("SNAP", "HUSKY A", "TFA", "FOOD AND CASH")


def row_id(n: int) -> str:
    """A Socrata-like row id whose sort order differs from the row's position."""
    h = hashlib.sha1(str(n).encode()).hexdigest()
    return f"row-{h[:4]}.{h[4:8]}_{h[8:12]}"


def month_text(index: int) -> str:
    return f"{2019 + index // 12:04d}-{index % 12 + 1:02d}-01T00:00:00.000"


def make_rows(n: int) -> list[dict]:
    rows = []
    for k in range(n):
        row = {":id": row_id(k), "program_name": PROGRAMS[k % len(PROGRAMS)], "month": month_text(k % 36),
               "recipients": str(10 * k + 3)}
        if row["program_name"].startswith("HUSKY"):
            row["medical_benefit_plan"] = row["program_name"]  # absent (null) for the others
        rows.append(row)
    return rows


def make_metadata(dataset_id: str = DS, rows_updated_at: int = 1_700_000_000) -> dict:
    fields = ["program_name", "medical_benefit_plan", "month", "recipients"]
    return {
        "id": dataset_id,
        "name": f"Dataset {dataset_id}",
        "rowsUpdatedAt": rows_updated_at,
        "viewLastModified": rows_updated_at,
        "columns": [{"id": i, "name": f, "fieldName": f, "dataTypeName": "text", "position": i + 1}
                    for i, f in enumerate(fields)],
    }


@pytest.fixture
def rows() -> list[dict]:
    return make_rows(23)


@pytest.fixture
def emu(tmp_path: Path, socrata_emulator, rows) -> SocrataEmulator:
    root = write_snapshot(tmp_path / "snap", DS, make_metadata(), rows, rows_per_file=5)
    write_snapshot(root, OTHER, make_metadata(OTHER), make_rows(4))
    return socrata_emulator(root)


def resource(emu: SocrataEmulator, dataset_id: str = DS, **params) -> requests.Response:
    return requests.get(f"{emu.url}/resource/{dataset_id}.json", params=params, timeout=5)


def page(emu: SocrataEmulator, offset: int = 0, limit: int = 5, dataset_id: str = DS) -> list[dict]:
    response = resource(emu, dataset_id, **{"$select": ":id,*", "$order": ":id", "$limit": limit,
                                            "$offset": offset})
    assert response.status_code == 200, response.text
    return response.json()


def by_id(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r[":id"])


def without_system(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != ":id"} for r in rows]


def sodapy_client(emu: SocrataEmulator, token: str | None = None) -> Socrata:
    adapter = {"prefix": "http://", "adapter": requests.adapters.HTTPAdapter()}
    return Socrata(f"127.0.0.1:{emu.port}", token, session_adapter=adapter, timeout=5)


# -- snapshot files and serving ----------------------------------------------------------------------------


def test_write_snapshot_writes_the_snapshot_format(tmp_path, rows):
    root = write_snapshot(tmp_path / "s", DS, make_metadata(), rows, synthetic=False, rows_per_file=10)
    files = sorted(p.name for p in (root / DS).glob("rows*.json"))
    assert len(files) == 3
    assert [r for f in files for r in json.loads((root / DS / f).read_text())] == rows
    assert json.loads((root / DS / "metadata.json").read_text()) == make_metadata()
    assert json.loads((root / "snapshot.json").read_text())["synthetic"] is False
    # Rewriting a dataset replaces its rows files; an empty dataset still has one (empty) file.
    write_snapshot(root, DS, make_metadata(), [], rows_per_file=10)
    assert [json.loads(p.read_text()) for p in (root / DS).glob("rows*.json")] == [[]]
    assert json.loads((root / "snapshot.json").read_text())["synthetic"] is True


def test_rows_files_are_served_in_file_name_order(emu, rows):
    # Without $order the stored order (rows files concatenated by name) is served.
    response = resource(emu, **{"$select": ":id,*", "$limit": 100})
    assert response.json() == rows
    assert response.headers["Content-Type"].startswith("application/json")


def test_metadata_is_served_and_unknown_ids_answer_404_with_a_socrata_error(emu):
    response = requests.get(f"{emu.url}/api/views/{DS}.json", timeout=5)
    assert response.status_code == 200
    assert response.json() == make_metadata()
    for url in (f"{emu.url}/api/views/zzzz-0000.json", f"{emu.url}/resource/zzzz-0000.json",
                f"{emu.url}/no/such/route"):
        response = requests.get(url, timeout=5)
        assert response.status_code == 404
        body = response.json()
        assert body["error"] is True and body["code"] == "not_found" and body["message"]


def test_paging_by_id_reconstructs_every_row_exactly_once(emu, rows):
    served, offset = [], 0
    while batch := page(emu, offset, limit=4):
        assert len(batch) <= 4
        served.extend(batch)
        offset += len(batch)
    assert served == by_id(rows)
    assert offset == len(rows)


def test_sodapy_pages_through_the_emulator_and_sends_the_token_as_a_header(emu, rows):
    client = sodapy_client(emu, token="tok-123")
    try:
        assert client.get_metadata(DS)["rowsUpdatedAt"] == make_metadata()["rowsUpdatedAt"]
        served, offset = [], 0
        while batch := client.get(DS, select=":id,*", order=":id", limit=6, offset=offset):
            served.extend(batch)
            offset += len(batch)
    finally:
        client.close()
    assert served == by_id(rows)
    pages = emu.requests_to("resource", DS)
    assert len(pages) == -(-len(rows) // 6) + 1  # full pages, the last partial one, then the empty one
    assert all(r.params["$order"] == ":id" and r.params["$select"] == ":id,*" for r in pages)
    assert [int(r.params["$offset"]) for r in pages] == [0, 6, 12, 18, 23]
    assert all(r.headers.get("x-app-token") == "tok-123" for r in emu.requests)
    assert all("tok-123" not in json.dumps(r.params) for r in emu.requests)


def test_default_limit_is_1000_and_more_than_the_maximum_is_refused(socrata_emulator):
    many = make_rows(1203)
    emu = socrata_emulator()
    emu.add_dataset(DS, make_metadata(), many)
    assert len(resource(emu).json()) == 1000
    assert len(resource(emu, **{"$offset": 1000}).json()) == 203
    assert len(resource(emu, **{"$limit": MAX_LIMIT}).json()) == 1203
    for params in ({"$limit": MAX_LIMIT + 1}, {"$limit": "ten"}, {"$offset": "-1"}):
        response = resource(emu, **params)
        assert response.status_code == 400, params
        assert response.json()["error"] is True


# -- SoQL ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["=", "!=", ">", ">=", "<", "<="])
def test_where_compares_floating_timestamps_as_text(emu, rows, op):
    pivot = month_text(14)
    compare = {"=": str.__eq__, "!=": str.__ne__, ">": str.__gt__, ">=": str.__ge__, "<": str.__lt__,
               "<=": str.__le__}[op]
    response = resource(emu, **{"$select": ":id,*", "$where": f"month {op} '{pivot}'", "$order": ":id"})
    assert response.status_code == 200, response.text
    expected = by_id([r for r in rows if compare(r["month"], pivot)])
    assert response.json() == expected
    assert 0 < len(expected) < len(rows) or op == "="


def test_where_joins_terms_with_and_and_keeps_literals_intact(emu, rows):
    where = "program_name = 'FOOD AND CASH' and month >= '2019-06-01T00:00:00.000' AND month < '2020-01-01'"
    response = resource(emu, **{"$select": ":id,*", "$where": where, "$order": ":id", "$limit": 100})
    expected = [r for r in rows
                if r["program_name"] == "FOOD AND CASH" and "2019-06" <= r["month"] < "2020-01"]
    assert expected and response.json() == by_id(expected)
    quoted = resource(emu, **{"$where": "program_name = 'O''Brien'"})
    assert quoted.status_code == 200 and quoted.json() == []


def test_where_or_parentheses_and_nulls(emu, rows):
    where = "(program_name = 'TFA' OR program_name = 'SNAP') AND medical_benefit_plan IS NULL"
    response = resource(emu, **{"$select": ":id,*", "$where": where, "$order": ":id", "$limit": 100})
    assert response.json() == by_id([r for r in rows if r["program_name"] in ("TFA", "SNAP")])
    # A comparison with an absent (null) field is never true, not even !=.
    response = resource(emu, **{"$select": ":id,*", "$where": "medical_benefit_plan != 'x'", "$limit": 100})
    assert response.json() == [r for r in rows if "medical_benefit_plan" in r]


@pytest.mark.parametrize("where", ["month >", "month ~ '2020'", "month = '2020' AND", "month = 2020-01",
                                   "(month = '2020'", "month = 'unterminated", "AND month = '1'"])
def test_unparseable_where_answers_400_like_socrata(emu, where):
    response = resource(emu, **{"$where": where})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "query.compiler.malformed" and body["error"] is True and body["message"]


def test_unknown_columns_answer_400(emu):
    for params in ({"$where": "nope = '1'"}, {"$select": "nope"}, {"$order": "nope"}, {"nope": "1"}):
        response = resource(emu, **params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "query.soql.no-such-column"


def test_select_star_explicit_lists_and_absent_fields(emu, rows):
    full = {"$order": ":id", "$limit": 100}
    assert resource(emu, **full, **{"$select": "*"}).json() == without_system(by_id(rows))
    assert resource(emu, **full).json() == without_system(by_id(rows))  # * is the default
    assert resource(emu, **full, **{"$select": ":id, *"}).json() == by_id(rows)
    picked = resource(emu, **full, **{"$select": "program_name,medical_benefit_plan"}).json()
    expected = [{k: r[k] for k in ("program_name", "medical_benefit_plan") if k in r} for r in by_id(rows)]
    assert picked == expected
    assert any("medical_benefit_plan" not in r for r in picked)  # a null stays absent, never null
    assert all(isinstance(v, str) for r in resource(emu, **full).json() for v in r.values())


def test_count_star_and_simple_filters(emu, rows):
    assert resource(emu, **{"$select": "count(*)"}).json() == [{"count": str(len(rows))}]
    snap = [r for r in rows if r["program_name"] == "SNAP"]
    counted = resource(emu, **{"$select": "count(*) AS n", "program_name": "SNAP"}).json()
    assert counted == [{"n": str(len(snap))}]


def test_order_by_fields_with_direction(emu, rows):
    response = resource(emu, **{"$select": ":id,*", "$order": "program_name DESC, :id", "$limit": 100})
    expected = sorted(by_id(rows), key=lambda r: r["program_name"], reverse=True)
    assert [r[":id"] for r in response.json()] == [r[":id"] for r in expected]
    response = resource(emu, **{"$select": ":id", "$order": "month ASC,:id desc", "$limit": 100})
    expected = sorted(sorted(rows, key=lambda r: r[":id"], reverse=True), key=lambda r: r["month"])
    assert response.json() == [{":id": r[":id"]} for r in expected]
    assert resource(emu, **{"$order": "month sideways"}).status_code == 400


# -- state changes and the request log ----------------------------------------------------------------------


def test_state_can_change_between_requests(emu, rows):
    emu.set_rows(DS, rows[:3])
    assert page(emu, limit=100) == by_id(rows[:3])
    meta = make_metadata(rows_updated_at=1_800_000_000)
    emu.set_metadata(DS, meta)
    assert requests.get(f"{emu.url}/api/views/{DS}.json", timeout=5).json() == meta
    emu.add_dataset("new1-2345", make_metadata("new1-2345"), rows[:1])
    assert page(emu, dataset_id="new1-2345") == rows[:1]
    emu.remove_dataset(DS)
    assert resource(emu).status_code == 404
    assert requests.get(f"{emu.url}/api/views/{DS}.json", timeout=5).status_code == 404


def test_the_request_log_is_complete_under_concurrent_clients(emu):
    def client(n: int) -> None:
        with requests.Session() as session:
            for k in range(10):
                session.get(f"{emu.url}/resource/{DS}.json", params={"$offset": k, "$limit": 1},
                            headers={"X-Client": str(n)}, timeout=5).raise_for_status()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(emu.requests) == 80
    per_client = sorted(r.headers["x-client"] for r in emu.requests)
    assert per_client == sorted(str(n) for n in range(8) for _ in range(10))
    assert {r.method for r in emu.requests} == {"GET"}
    assert {r.path for r in emu.requests} == {f"/resource/{DS}.json"}
    assert sorted(int(r.params["$offset"]) for r in emu.requests) == sorted(list(range(10)) * 8)


# -- faults -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 202, 404])
def test_status_faults_fire_on_the_chosen_requests_then_service_resumes(emu, rows, status):
    fault = emu.inject("status", path="resource", dataset_id=DS, after=1, times=2, status=status,
                       retry_after=7)
    responses = [resource(emu, **{"$limit": 2}) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, status, status, 200]
    for r in responses[1:3]:
        assert r.headers["Retry-After"] == "7"
        assert r.json()["error"] is True and r.json()["message"]
    assert "Retry-After" not in responses[0].headers and "Retry-After" not in responses[3].headers
    assert responses[3].json() == without_system(rows[:2])
    assert emu.faults_fired == 2 and fault.fired == 2


def test_faults_match_only_their_route_and_dataset_and_count_from_injection(emu):
    assert resource(emu).status_code == 200  # before the injection: not counted
    emu.inject("status", path="views", dataset_id=DS, after=1, status=500)
    assert resource(emu).status_code == 200  # another route
    assert requests.get(f"{emu.url}/api/views/{OTHER}.json", timeout=5).status_code == 200  # another dataset
    codes = [requests.get(f"{emu.url}/api/views/{DS}.json", timeout=5).status_code for _ in range(3)]
    assert codes == [200, 500, 200]
    assert emu.faults_fired == 1


def test_two_due_faults_fire_in_injection_order_on_consecutive_requests(emu):
    emu.inject("status", status=503)
    emu.inject("status", status=429)
    codes = [resource(emu).status_code for _ in range(3)]
    assert codes == [503, 429, 200]
    assert emu.faults_fired == 2


def test_sodapy_raises_with_the_portal_message_on_a_status_fault(emu):
    emu.inject("status", path="resource", status=500)
    client = sodapy_client(emu)
    try:
        with pytest.raises(requests.exceptions.HTTPError, match="500 Server Error"):
            client.get(DS, select=":id,*", order=":id", limit=5, offset=0)
        assert len(client.get(DS, select=":id,*", order=":id", limit=5, offset=0)) == 5
    finally:
        client.close()


def test_slow_fault_triggers_a_read_timeout_then_service_resumes(emu):
    emu.inject("slow", path="resource", seconds=30)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{emu.url}/resource/{DS}.json", timeout=(2, 0.5))
    assert time.monotonic() - started < 10
    assert resource(emu).status_code == 200
    assert emu.faults_fired == 1


def test_slow_fault_shorter_than_the_timeout_answers_normally(emu, rows):
    emu.inject("slow", path="resource", seconds=0.2)
    started = time.monotonic()
    assert page(emu, limit=100) == by_id(rows)
    assert time.monotonic() - started >= 0.2


def test_drop_closes_the_connection_without_a_response(emu):
    emu.inject("drop", times=2)
    with requests.Session() as session:
        for _ in range(2):
            with pytest.raises(requests.exceptions.ConnectionError):
                session.get(f"{emu.url}/resource/{DS}.json", timeout=5)
        assert session.get(f"{emu.url}/resource/{DS}.json", timeout=5).status_code == 200
    assert emu.faults_fired == 2


def test_drop_mid_body_announces_the_full_length_and_sends_part(emu, rows):
    full = json.dumps(resource(emu, **{"$limit": 100}).json())
    emu.inject("drop_mid_body", path="resource")
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    try:
        conn.request("GET", f"/resource/{DS}.json?$limit=100")
        response = conn.getresponse()
        assert response.status == 200
        assert int(response.headers["Content-Length"]) == len(full.encode())
        with pytest.raises(http.client.IncompleteRead) as caught:
            response.read()
        assert 0 < len(caught.value.partial) < len(full.encode())
        assert full.encode().startswith(caught.value.partial)
    finally:
        conn.close()
    emu.inject("drop_mid_body", path="resource")
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        resource(emu, **{"$limit": 100})
    assert resource(emu, **{"$limit": 100}).json() == without_system(rows)
    assert emu.faults_fired == 2


def test_truncate_sends_a_consistent_but_incomplete_json_body(emu, rows):
    full = resource(emu, **{"$limit": 100}).content
    emu.inject("truncate", path="resource")
    response = resource(emu, **{"$limit": 100})
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content) < len(full)
    assert full.startswith(response.content)
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert resource(emu, **{"$limit": 100}).content == full


def test_invalid_json_sends_a_non_json_body_once(emu):
    emu.inject("invalid_json", path="views")
    response = requests.get(f"{emu.url}/api/views/{DS}.json", timeout=5)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    assert requests.get(f"{emu.url}/api/views/{DS}.json", timeout=5).json() == make_metadata()
    assert emu.faults_fired == 1


def test_short_page_serves_fewer_rows_for_that_page_only(emu, rows):
    emu.inject("short_page", path="resource", after=1, rows=2)
    first, short, again = page(emu, 0), page(emu, 5), page(emu, 5)
    assert first == by_id(rows)[:5]
    assert short == by_id(rows)[5:7]
    assert again == by_id(rows)[5:10]
    emu.inject("short_page", dataset_id=DS)  # default: half the page; a views request does not count
    assert requests.get(f"{emu.url}/api/views/{DS}.json", timeout=5).status_code == 200
    assert page(emu, 0, limit=10) == by_id(rows)[:5]
    assert emu.faults_fired == 2


def test_duplicate_row_serves_an_earlier_row_again(emu, rows):
    emu.inject("duplicate_row", path="resource", after=1)
    served, offset = [], 0
    while batch := page(emu, offset, limit=5):
        served.extend(batch)
        offset += len(batch)
    ids = [r[":id"] for r in served]
    assert len(ids) == len(rows) and len(set(ids)) == len(rows) - 1
    assert ids[9] == ids[4]  # the second page's last row repeats the first page's last row
    assert ids[:9] == [r[":id"] for r in by_id(rows)][:9]
    assert emu.faults_fired == 1


def test_bump_rows_updated_at_after_the_request_is_served(emu, rows):
    before = make_metadata()["rowsUpdatedAt"]
    emu.inject("bump_rows_updated_at", path="resource", dataset_id=DS)
    assert page(emu, 0) == by_id(rows)[:5]  # served normally
    assert requests.get(f"{emu.url}/api/views/{DS}.json", timeout=5).json()["rowsUpdatedAt"] == before + 60
    emu.inject("bump_rows_updated_at", path="resource", by=3600)
    page(emu, 5)
    page(emu, 10)
    assert emu.metadata(DS)["rowsUpdatedAt"] == before + 60 + 3600
    assert emu.faults_fired == 2


def test_inject_rejects_mistakes(emu):
    with pytest.raises(ValueError, match="unknown fault kind"):
        emu.inject("explode")
    with pytest.raises(ValueError, match="options"):
        emu.inject("status", status=500, retry_afer=3)
    with pytest.raises(ValueError, match="status"):
        emu.inject("status")
    with pytest.raises(ValueError, match="resource"):
        emu.inject("short_page", path="views")
    with pytest.raises(ValueError, match="path"):
        emu.inject("drop", path="everything")
    assert emu.faults == []


# -- lifecycle --------------------------------------------------------------------------------------------


def test_url_unreachable_refuses_connections(emu):
    url = emu.url_unreachable()
    assert url.startswith("http://127.0.0.1:") and url != emu.url
    with pytest.raises(requests.exceptions.ConnectionError, match="refused"):
        requests.get(f"{url}/api/views/{DS}.json", timeout=5)


def test_stop_returns_promptly_with_a_slow_request_in_flight(tmp_path, rows):
    emu = SocrataEmulator(write_snapshot(tmp_path / "s", DS, make_metadata(), rows)).start()
    emu.inject("slow", path="resource", seconds=60)
    outcome: list[object] = []

    def client() -> None:
        try:
            outcome.append(requests.get(f"{emu.url}/resource/{DS}.json", timeout=(2, 90)))
        except requests.exceptions.RequestException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=client)
    thread.start()
    try:
        assert emu.wait_until(lambda: emu.faults_fired == 1, timeout=10)
        started = time.monotonic()
        emu.stop()
        assert time.monotonic() - started < 5
        thread.join(timeout=10)
        assert not thread.is_alive()
        assert len(outcome) == 1 and isinstance(outcome[0], requests.exceptions.ConnectionError)
    finally:
        emu.stop()


def test_stop_closes_kept_alive_connections_and_releases_the_port(tmp_path, rows):
    with SocrataEmulator(write_snapshot(tmp_path / "s", DS, make_metadata(), rows)) as emu, \
            requests.Session() as session:
        assert session.get(f"{emu.url}/api/views/{DS}.json", timeout=5).status_code == 200
        emu.stop()
        with pytest.raises(requests.exceptions.ConnectionError):
            session.get(f"{emu.url}/api/views/{DS}.json", timeout=5)


def test_the_fixture_factory_starts_emulators(socrata_emulator, tmp_path, rows):
    empty = socrata_emulator()
    assert requests.get(f"{empty.url}/api/views/{DS}.json", timeout=5).status_code == 404
    full = socrata_emulator(write_snapshot(tmp_path / "s", DS, make_metadata(), rows))
    assert full.url != empty.url
    assert page(full, limit=100) == by_id(rows)


def test_the_bundled_sample_is_served_whole(socrata_emulator, sample_dir):
    if not (sample_dir / "snapshot.json").exists():
        pytest.skip("data/sample has not been generated")
    emu = socrata_emulator(sample_dir)
    datasets = sorted(p.name for p in sample_dir.iterdir() if p.is_dir() and (p / "metadata.json").exists())
    assert datasets and sorted(emu.datasets) == datasets
    for dataset_id in datasets:
        files = sorted((sample_dir / dataset_id).glob("rows*.json"))
        stored = [r for f in files for r in json.loads(f.read_text())]
        assert page(emu, 0, limit=MAX_LIMIT, dataset_id=dataset_id) == by_id(stored)
        meta = requests.get(f"{emu.url}/api/views/{dataset_id}.json", timeout=5).json()
        assert meta == json.loads((sample_dir / dataset_id / "metadata.json").read_text())
