"""A page is counted by its `:id` keys so that the next can be asked for at once, and checked by DuckDB once
written; a page that disagrees starts the pull again, each page parsed before the next is asked for."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import loader_data as data

from ctdss.load.loader import load
from ctdss.load.page_counts import CountedBehind, CountedFirst, PagesDisagree
from ctdss.load.portal import PortalSource, RetryPolicy
from ctdss.load.progress import NoProgress
from ctdss.load.snapshot import extract
from ctdss.registry import load_registry

FAST = RetryPolicy(attempts=3, backoff_base=0.01, backoff_max=0.05, connect_timeout=1.0, read_timeout=2.0)
ROWS = [{":id": f"row-{i}", "town": "Andover", "count": str(i)} for i in range(3)]


def _checked(tmp_path: Path, body: bytes) -> tuple[int, bool]:
    """The count CountedBehind gives the page, and whether its check behind agreed."""
    counts = CountedBehind()
    try:
        rows = counts.rows(body)
        path = tmp_path / "rows-000001.json"
        path.write_bytes(body)
        counts.written(path, rows)
        try:
            counts.confirm()
        except PagesDisagree:
            return rows, False
        return rows, True
    finally:
        counts.close()


def test_a_page_is_counted_by_its_ids_and_confirmed(tmp_path):
    assert _checked(tmp_path, json.dumps(ROWS).encode()) == (3, True)


def test_a_page_cut_in_the_middle_is_counted_by_its_ids_then_found_out(tmp_path):
    body = json.dumps(ROWS).encode()
    assert _checked(tmp_path, body[: body.rindex(b'":id"') + 12]) == (3, False)


def test_a_value_holding_an_id_key_is_found_out(tmp_path):
    rows = [{**ROWS[0], "location": {":id": "nested"}}]
    assert _checked(tmp_path, json.dumps(rows).encode()) == (2, False)


def test_rows_without_ids_are_parsed_to_be_counted(tmp_path):
    rows = [{k: v for k, v in r.items() if k != ":id"} for r in ROWS]
    assert _checked(tmp_path, json.dumps(rows).encode()) == (3, True)


@pytest.mark.parametrize("body", [b"[]", b"[1, 2]", b"<html>503</html>"])
def test_an_empty_or_unusable_page_is_counted_as_the_whole_parse_says(tmp_path, body):
    for counts in (CountedBehind(), CountedFirst()):
        try:
            if body == b"[]":
                assert counts.rows(body) == 0  # the pull retries an empty page
            else:
                with pytest.raises(ValueError):
                    counts.rows(body)
        finally:
            counts.close()


def test_a_cut_page_starts_the_pull_again_and_every_row_lands_once(socrata_emulator, tmp_path):
    emu = socrata_emulator(data.write(tmp_path / "snapshot", data.datasets()))
    emu.inject("truncate", path="resource", dataset_id=data.MONTHLY, after=2)  # page 2 of 4, half its bytes
    source = PortalSource(emu.url, None, page_size=20, policy=FAST, sleep=lambda s: None)
    try:
        outcome = load(load_registry(), source, tmp_path / "w.duckdb", dataset_ids=[data.MONTHLY])[0]
    finally:
        source.close()
    assert outcome.status == "loaded", outcome.error
    assert outcome.rows_landed == len(emu.rows(data.MONTHLY)) == 72
    offsets = [r.params["$offset"] for r in emu.requests_to("resource", data.MONTHLY)
               if r.params.get("$select") == ":id,*"]
    # The cut page (offset 20) was counted short, the pull went on from there, then started again from 0.
    again = offsets.index("0", 1)
    assert offsets[:2] == ["0", "20"] and "40" not in offsets[:again]
    assert offsets[again:] == ["0", "20", "40", "60"]


def test_an_extract_that_starts_a_pull_again_keeps_only_the_second_pull(socrata_emulator, tmp_path):
    emu = socrata_emulator(data.write(tmp_path / "snapshot", data.datasets()))
    emu.inject("truncate", path="resource", dataset_id=data.MONTHLY, after=2)  # page 2 of 4, half its bytes
    registry = load_registry()
    source = PortalSource(emu.url, None, page_size=20, policy=FAST, sleep=lambda s: None)
    try:
        counts = extract(source, registry.select([data.MONTHLY]), tmp_path / "out", NoProgress(), registry.path)
    finally:
        source.close()
    assert counts == {data.MONTHLY: 72}  # the first pull's rows taken back
    pages = sorted((tmp_path / "out" / data.MONTHLY).glob("rows*.json"))
    assert [p.name for p in pages] == [f"rows-00000{i}.json" for i in range(1, 5)]  # none left from the first
    ids = [r[":id"] for p in pages for r in json.loads(p.read_text(encoding="utf-8"))]
    assert sorted(ids) == sorted(r[":id"] for r in emu.rows(data.MONTHLY))


def test_an_interrupted_pull_does_not_wait_for_the_page_in_flight(socrata_emulator, tmp_path):
    emu = socrata_emulator(data.write(tmp_path / "snapshot", data.datasets()))
    emu.inject("trickle", path="resource", dataset_id=data.MONTHLY, after=2)  # page 2: a byte every 50 ms
    # The pull's process takes Ctrl-C as a terminal's process does (pytest-xdist's workers ignore SIGINT, and a
    # child inherits that).
    script = f"""
import signal
signal.signal(signal.SIGINT, signal.default_int_handler)
from pathlib import Path
from ctdss.load.portal import PortalSource
from ctdss.registry import load_registry
source = PortalSource({emu.url!r}, None, page_size=20)
source.fetch(load_registry().select([{data.MONTHLY!r}])[0], None, Path({str(tmp_path)!r}), lambda rows: None)
"""
    pull = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    try:
        # Page 2 is being served, a byte at a time (about 100 s of it, within the default timeouts).
        assert emu.wait_until(lambda: len(_pages(emu)) == 2, timeout=30)
        interrupted = time.monotonic()
        pull.send_signal(signal.SIGINT)
        _, err = pull.communicate(timeout=60)
    finally:
        pull.kill()
    assert "KeyboardInterrupt" in err, err[-2000:]
    assert time.monotonic() - interrupted < 10  # the process exited without waiting for the page in flight


def _pages(emu) -> list:
    return [r for r in emu.requests_to("resource", data.MONTHLY) if r.params.get("$select") == ":id,*"]
