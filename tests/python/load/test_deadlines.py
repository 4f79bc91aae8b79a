"""Deadlines: a response that trickles is cut off at the request deadline (CTDSS_REQUEST_DEADLINE) and retried
like a timeout, and a dataset that cannot be pulled within CTDSS_DATASET_DEADLINE fails, leaving everything as
it was. The deadlines are set small through the settings; the emulator sends a byte every 50 ms, so a page
would take minutes without them."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from support import loader_data as data

from ctdss.load.loader import load
from ctdss.load.portal import PortalSource, RetryPolicy
from ctdss.registry import load_registry

MARGIN = 3.0  # seconds allowed beyond a deadline for the other requests of the load on a busy machine


@pytest.fixture
def emu(socrata_emulator, tmp_path):
    return socrata_emulator(data.write(tmp_path / "snapshot", data.datasets()))


@pytest.fixture
def guard(emu):
    """Stops the emulator if a load runs far past its deadlines, so code without them fails instead of hanging."""
    def arm(seconds: float) -> None:
        timer = threading.Timer(seconds, emu.stop)
        timer.daemon = True
        timer.start()
        guards.append(timer)

    guards: list[threading.Timer] = []
    yield arm
    for timer in guards:
        timer.cancel()


def _loaded_then_trickling(emu, db: Path) -> tuple[dict, list[dict]]:
    """Load the dataset, then serve a newer publication whose every response trickles. Returns the raw tables
    and audit as they were before."""
    assert _timed_load(emu, db, attempts=3)[0].status == "loaded"
    before = data.raw_tables(db), data.audit(db)
    data.newer_publication(emu)
    emu.inject("trickle", path="resource", dataset_id=data.MONTHLY, times=100)
    return before


def _timed_load(emu, db: Path, attempts: int):
    policy = RetryPolicy(attempts=attempts, backoff_base=0.01, backoff_max=0.05, connect_timeout=1.0,
                         read_timeout=30.0)  # the read timeout never fires: a byte arrives every 50 ms
    source = PortalSource(emu.url, None, page_size=20, policy=policy, sleep=lambda s: None)
    started = time.monotonic()
    try:
        outcome = load(load_registry(), source, db, dataset_ids=[data.MONTHLY], full=True)[0]
    finally:
        source.close()
    return outcome, time.monotonic() - started


def test_a_trickling_response_is_cut_at_the_deadline_and_retried(emu, guard, monkeypatch, tmp_path):
    monkeypatch.setenv("CTDSS_REQUEST_DEADLINE", "1")
    emu.inject("trickle", path="resource", dataset_id=data.MONTHLY, after=1)  # the first page, once
    guard(1 + MARGIN * 3)
    outcome, seconds = _timed_load(emu, tmp_path / "w.duckdb", attempts=3)
    assert outcome.status == "loaded", outcome.error
    assert outcome.rows_landed == len(emu.rows(data.MONTHLY))
    assert seconds < 1 + MARGIN
    pages = [r for r in emu.requests_to("resource", data.MONTHLY) if r.params["$select"] == ":id,*"]
    assert [r.params["$offset"] for r in pages[:2]] == ["0", "0"]  # the cut page was asked for again


def test_a_response_that_always_trickles_fails_within_the_deadlines(emu, guard, monkeypatch, tmp_path):
    monkeypatch.setenv("CTDSS_REQUEST_DEADLINE", "0.5")
    db = tmp_path / "w.duckdb"
    before, audit_before = _loaded_then_trickling(emu, db)
    guard(3 * 0.5 + MARGIN * 3)
    outcome, seconds = _timed_load(emu, db, attempts=3)
    assert outcome.status == "failed"
    assert "within 0.5 s (request deadline" in outcome.error and "3 attempts" in outcome.error
    assert seconds < 3 * 0.5 + MARGIN
    assert data.raw_tables(db) == before and data.audit(db)[:-1] == audit_before


def test_a_dataset_past_its_deadline_fails_and_keeps_the_previous_data(emu, guard, monkeypatch, tmp_path):
    monkeypatch.setenv("CTDSS_REQUEST_DEADLINE", "0.8")
    db = tmp_path / "w.duckdb"
    before, audit_before = _loaded_then_trickling(emu, db)
    monkeypatch.setenv("CTDSS_DATASET_DEADLINE", "2")
    guard(2 + MARGIN * 3)
    outcome, seconds = _timed_load(emu, db, attempts=50)  # the retry budget alone would allow 40 s
    assert outcome.status == "failed"
    assert "within its deadline of 2 s" in outcome.error and "previous data is unchanged" in outcome.error
    assert seconds < 2 + MARGIN
    assert data.raw_tables(db) == before
    assert data.audit(db)[:-1] == audit_before and data.audit(db)[-1]["status"] == "failed"
