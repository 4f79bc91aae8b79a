"""HTTP to the portal: the app token goes to the portal's origin only, redirects are followed only within that
origin, and each whole response (redirects, headers and body) has a wall-clock deadline.

requests follows redirects by default and keeps session headers (sodapy puts `X-App-Token` there) on a
cross-host redirect, and its timeouts bound only the gap between two bytes. So the token is sent per request,
redirects are followed here, and a watchdog shuts the connection's socket when the deadline passes, which ends
a response that trickles a byte at a time.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ctdss.errors import UserError

TOKEN_HEADER = "X-App-Token"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}


class DeadlineMissed(Exception):
    """The whole response did not arrive within the request's deadline."""


class RedirectRefused(UserError):
    """The portal redirected to another origin; the redirect was not followed and the token not sent there."""


@dataclass(frozen=True)
class Reply:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 0)


def same_origin(portal: str, target: str) -> bool:
    """True when `target` is on the portal's origin, or is the https upgrade of an http portal's host."""
    scheme, host, port = _origin(portal)
    t_scheme, t_host, t_port = _origin(target)
    if (t_scheme, t_host, t_port) == (scheme, host, port):
        return True
    upgraded_port = DEFAULT_PORTS["https"] if port == DEFAULT_PORTS["http"] else port
    return scheme == "http" and t_scheme == "https" and t_host == host and t_port in (upgraded_port, 443)


# -- the deadline watchdog -----------------------------------------------------------------------------------

_current = threading.local()  # the watchdog of the request this thread is making, if any


class _Watchdog:
    """Shuts the socket of the request in flight when its deadline passes, so a blocked read returns."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._socks.append(sock)
            if self.fired:
                _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._socks:
                _shut(sock)

    @contextlib.contextmanager
    def running(self) -> Iterator[_Watchdog]:
        self._timer.start()
        _current.watchdog = self
        try:
            yield self
        finally:
            _current.watchdog = None
            self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """A connection that hands its socket to the current request's watchdog once the request is sent."""

    sock: socket.socket | None

    def request(self, *args, **kwargs):  # type: ignore[no-untyped-def] - urllib3's own signature
        super().request(*args, **kwargs)  # type: ignore[misc]
        watchdog = getattr(_current, "watchdog", None)
        if watchdog is not None:
            watchdog.watch(self.sock)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    """An adapter without retries (the portal client retries itself) whose connections a deadline can cut."""

    def __init__(self) -> None:
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def] - requests' signature
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


# -- requests ------------------------------------------------------------------------------------------------


class PortalHTTP:
    """GETs on one portal's origin through a session, with the token, the redirect rule and the deadline."""

    def __init__(self, session: requests.Session, portal: str, token: str | None, connect_timeout: float,
                 read_timeout: float) -> None:
        self.session = session
        self.portal = portal
        self.token = token
        self.timeout = (connect_timeout, read_timeout)
        session.headers.pop(TOKEN_HEADER, None)  # sent per request, to the portal's origin only

    def get(self, url: str, params: dict[str, str] | None, deadline: float) -> Reply:
        """The reply to GET `url`, following same-origin redirects, read whole within `deadline` seconds."""
        with _Watchdog(deadline).running() as watchdog:
            try:
                return self._follow(url, params)
            except (requests.exceptions.RequestException, OSError):
                if watchdog.fired:
                    raise DeadlineMissed from None
                raise

    def _follow(self, url: str, params: dict[str, str] | None) -> Reply:
        for _ in range(MAX_REDIRECTS + 1):
            reply = self._once(url, params)
            location = reply.headers.get("location")
            if reply.status not in REDIRECT_STATUSES or not location:
                return reply
            target = urljoin(url, location)
            if not same_origin(self.portal, target):
                raise RedirectRefused(
                    f"The Socrata portal at {self.portal} redirected {urlsplit(url).path} to another host, "
                    f"{urlsplit(target).netloc or target}. The app token is sent only to {self.portal}, so the "
                    f"redirect was not followed and nothing was loaded from that host; the previous data is "
                    f"unchanged. If the portal has moved, set CTDSS_PORTAL (or --portal) to its new address."
                )
            url, params = target, None  # the Location carries its own query
        raise requests.exceptions.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")

    def _once(self, url: str, params: dict[str, str] | None) -> Reply:
        headers = {TOKEN_HEADER: self.token} if self.token and same_origin(self.portal, url) else {}
        with self.session.get(url, params=params, headers=headers, timeout=self.timeout, stream=True,
                              allow_redirects=False) as response:
            body = response.content
            return Reply(response.status_code, response.reason or "",
                         {k.lower(): v for k, v in response.headers.items()}, body)
