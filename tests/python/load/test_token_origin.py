"""The app token is sent to the configured portal's origin only: a redirect is followed only within that origin
(an http to https upgrade of the same host counts), and a redirect elsewhere is refused before that host is
asked anything, so it never sees the token and nothing it serves lands."""

from __future__ import annotations

import pytest
from support import loader_data as data

from ctdss.load.loader import load
from ctdss.load.portal import PortalSource, RetryPolicy
from ctdss.registry import load_registry

FAST = RetryPolicy(attempts=3, backoff_base=0.01, backoff_max=0.05, connect_timeout=1.0, read_timeout=2.0)
TOKEN = "app-token-Q7xT2"


@pytest.fixture
def portal_db(loaded_portal):
    """A warehouse loaded from the portal, which then serves a newer publication."""
    return loaded_portal(_load)


def _load(emu, db):
    source = PortalSource(emu.url, TOKEN, page_size=20, policy=FAST, sleep=lambda s: None)
    try:
        return load(load_registry(), source, db, dataset_ids=[data.MONTHLY], full=True)[0]
    finally:
        source.close()


@pytest.fixture
def elsewhere(socrata_emulator, tmp_path):
    """A second server with the same dataset id and different rows, which must never be read or sent the token."""
    other = data.datasets()
    meta, rows = other[data.MONTHLY]
    for row in rows:
        row["recipients"] = "123456"
    return socrata_emulator(data.write(tmp_path / "elsewhere", {data.MONTHLY: (meta, rows)}))


@pytest.mark.parametrize("route, after", [("resource", 2), ("views", 0)])
def test_a_redirect_to_another_origin_is_refused_without_the_token(portal_db, elsewhere, route, after):
    emu, db = portal_db
    before, audit_before = data.raw_tables(db), data.audit(db)
    emu.inject("redirect", path=route, dataset_id=data.MONTHLY, after=after, to=elsewhere.url)
    outcome = _load(emu, db)
    assert outcome.status == "failed"
    assert f"to another host, 127.0.0.1:{elsewhere.port}" in outcome.error
    assert "not followed" in outcome.error and "\n" not in outcome.error
    assert elsewhere.requests == []  # never asked anything, so never sent the token
    assert data.raw_tables(db) == before
    assert data.audit(db)[:-1] == audit_before and data.audit(db)[-1]["status"] == "failed"
    assert all(r.headers.get("x-app-token") == TOKEN for r in emu.requests)  # the portal still gets it


def test_a_redirect_within_the_origin_is_followed_with_the_token(portal_db):
    emu, db = portal_db
    emu.inject("redirect", path="resource", dataset_id=data.MONTHLY, after=2, to=emu.url, status=307)
    outcome = _load(emu, db)
    assert outcome.status == "loaded", outcome.error
    assert outcome.rows_landed == len(emu.rows(data.MONTHLY))
    assert all(r.headers.get("x-app-token") == TOKEN for r in emu.requests)
