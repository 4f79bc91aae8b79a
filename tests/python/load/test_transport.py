"""The origin rule the app token follows: the portal's own scheme, host and port, or the https upgrade of an
http portal's host; nothing that merely looks like it."""

from __future__ import annotations

import pytest

from ctdss.load.transport import same_origin


@pytest.mark.parametrize("target, same", [
    ("https://data.ct.gov/resource/x.json", True),
    ("https://DATA.ct.gov:443/api/views/x.json", True),
    ("http://data.ct.gov/resource/x.json", False),  # a downgrade from https is another origin
    ("https://data.ct.gov.evil.example/resource/x.json", False),
    ("https://data.ct.gov:8443/resource/x.json", False),
    ("https://evil.example/?u=https://data.ct.gov", False),
])
def test_same_origin_for_an_https_portal(target, same):
    assert same_origin("https://data.ct.gov", target) is same


@pytest.mark.parametrize("target, same", [
    ("https://127.0.0.1:8080/x", True),  # the https upgrade of the same host counts as the same origin
    ("https://127.0.0.1/x", True),
    ("http://127.0.0.1:8080/x", True),
    ("http://127.0.0.1:9090/x", False),
    ("https://localhost:8080/x", False),
])
def test_same_origin_for_an_http_portal(target, same):
    assert same_origin("http://127.0.0.1:8080", target) is same
