"""The live source: a Socrata portal (data.ct.gov by default, or a local emulator), reached through sodapy.

sodapy supplies the session (app token header, adapters). Rows are requested page by page with an explicit
`$order=:id`, because sodapy's `get_all` pages without an order and can duplicate or skip rows. Each page is
kept as the bytes the portal served and written to disk; DuckDB lands the files in bulk.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import requests
from requests.adapters import HTTPAdapter
from sodapy import Socrata

from ctdss.contract import rows_updated_at
from ctdss.errors import LoadFailure, UserError
from ctdss.landing import check_row_keys
from ctdss.registry import Dataset

RETRY_STATUSES = frozenset({202, 429, 500, 502, 503, 504})
OFFLINE_HINT = "To build offline, run `make demo` or `ctdss load --snapshot DIR`."
ID_HINT = "Check the dataset id in the registry, and the portal address."
CATALOGUE_PAGE = 100  # the Discovery API's default page
CATALOGUE_MAX = 1_000  # far above the DSS datasets; a listing this long is a query too broad to read
CATALOGUE_HINT = "Check the portal address (--portal or CTDSS_PORTAL): it must be a Socrata portal's own address."
Params = dict[str, str] | list[tuple[str, str]] | None


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 60.0
    connect_timeout: float = 3.05
    read_timeout: float = 60.0


class PortalError(UserError):
    """The portal could not serve a request after bounded retries."""

    def __init__(self, message: str, status: int | None = None, unreachable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.unreachable = unreachable


class _Transient(Exception):
    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class PortalSource:
    """Reads metadata and row pages from a Socrata portal with timeouts and bounded, backed-off retries.
    Implements `ctdss.sources.Source`."""

    serves_windows = True

    def __init__(
        self,
        portal: str,
        token: str | None = None,
        *,
        page_size: int = 50_000,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        parts = urlsplit(portal if "://" in portal else f"https://{portal}")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UserError(f"The portal address {portal!r} is not an http(s) URL such as https://data.ct.gov.")
        self.portal = f"{parts.scheme}://{parts.netloc}"
        self.host = parts.hostname or parts.netloc
        self.origin: str | None = self.portal
        self.description = f"portal {self.portal}"
        self.synthetic = False
        self.page_size = page_size
        self.policy = policy or RetryPolicy()
        self.sleep = sleep if sleep is not None else time.sleep
        adapter = {"prefix": f"{parts.scheme}://", "adapter": HTTPAdapter(max_retries=0)}
        # sodapy warns on the root logger when there is no token; the CLI's own output is enough.
        logging.disable(logging.WARNING)
        try:
            self._client = Socrata(parts.netloc, token, session_adapter=adapter, timeout=self.policy.read_timeout)
        finally:
            logging.disable(logging.NOTSET)

    def close(self) -> None:
        self._client.close()

    # -- requests ---------------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self._client.uri_prefix}{self._client.domain}{path}"

    def _get(self, what: str, path: str, params: Params, parse: Callable[[bytes], object], hint: str = ID_HINT):
        """GET with retries. Returns (raw bytes, parsed value). `what` names the request in messages ("dataset
        abcd-1234"); `hint` is what to check when the portal refuses it. Never puts the token in a message."""
        policy = self.policy
        last: _Transient | None = None
        for attempt in range(1, policy.attempts + 1):
            try:
                return self._attempt(path, params, parse, hint)
            except _Transient as exc:
                last = exc
            if attempt == policy.attempts:
                break
            delay = min(policy.backoff_max, policy.backoff_base * 2 ** (attempt - 1))
            delay *= 1 + random.random() * 0.1
            if last.retry_after is not None:
                delay = max(delay, min(last.retry_after, policy.retry_after_max))
            self.sleep(delay)
        assert last is not None
        if last.status is None and last.reason.startswith("cannot connect"):
            raise PortalError(
                f"Could not reach the Socrata portal at {self.portal} ({what}) after {policy.attempts} "
                f"attempts: {last.reason}. Nothing was loaded and the warehouse is unchanged. Check the network, "
                f"a proxy, or --portal. {OFFLINE_HINT}",
                unreachable=True,
            )
        status = f"HTTP {last.status}" if last.status is not None else "no HTTP status"
        raise PortalError(
            f"The Socrata portal at {self.portal} failed to serve {path} for {what} after "
            f"{policy.attempts} attempts ({status}: {last.reason}). The portal may be down or rate-limiting; "
            f"try again later (an app token in SOCRATA_APP_TOKEN raises the rate limits). {OFFLINE_HINT}",
            status=last.status,
        )

    def _attempt(self, path: str, params: Params, parse: Callable[[bytes], object], hint: str):
        timeout = (self.policy.connect_timeout, self.policy.read_timeout)
        try:
            response = self._client.session.get(self._url(path), params=params, timeout=timeout)
            body = response.content
        except requests.exceptions.ConnectTimeout:
            raise _Transient("cannot connect: the connection timed out") from None
        except requests.exceptions.ReadTimeout:
            raise _Transient(f"no response within {self.policy.read_timeout:g} s (read timeout)") from None
        except requests.exceptions.ConnectionError as exc:
            text = str(exc)
            if "Failed to establish a new connection" in text or "NameResolutionError" in text:
                raise _Transient("cannot connect: " + _short_reason(text)) from None
            raise _Transient("the connection was dropped: " + _short_reason(text)) from None
        except requests.exceptions.ChunkedEncodingError:
            raise _Transient("the connection was dropped in the middle of the response") from None
        status = response.status_code
        if status in RETRY_STATUSES:
            raise _Transient(
                response.reason or "retryable status",
                status=status,
                retry_after=_retry_after_seconds(response.headers.get("Retry-After")),
            )
        if status != 200:
            raise PortalError(
                f"The Socrata portal at {self.portal} answered HTTP {status} ({response.reason}) for {path}: "
                f"{_error_message(body)}. {hint}",
                status=status,
            )
        try:
            return body, parse(body)
        except ValueError as exc:
            raise _Transient(f"the response was not the expected JSON ({exc})", status=status) from None

    # -- onboarding: the catalogue, a dataset's metadata, a column's distinct values ---------------------------

    def view(self, dataset_id: str) -> dict:
        """/api/views/{id}.json: a dataset's metadata, with each column's fieldName and dataTypeName."""
        _, value = self._get(f"dataset {dataset_id}", f"/api/views/{dataset_id}.json", None, _parse_object)
        return value  # type: ignore[return-value]

    def catalogue(self, tag: str | None, query: str | None) -> tuple[list[dict], int]:
        """The portal's datasets in the Discovery API (/api/catalog/v1): its `results` entries and its
        `resultSetSize`. The parameters are those sodapy's `Socrata.datasets()` sends (domains, tags, q, limit,
        offset), plus `search_context` so that `tags` means the portal's own tags and `only=dataset`. Unlike
        sodapy it stops at an empty page and at CATALOGUE_MAX results, where sodapy would loop forever if the
        portal served fewer results than it announced."""
        # No `order`: like sodapy, keep the API's default; the caller sorts, and pages are de-duplicated by id.
        base = [("domains", self.host), ("search_context", self.host), ("only", "dataset")]
        base += [("tags", tag)] if tag else []
        base += [("q", query)] if query else []
        results: dict[str, dict] = {}
        total = 0
        while len(results) < CATALOGUE_MAX:
            page = [*base, ("limit", str(CATALOGUE_PAGE)), ("offset", str(len(results)))]
            _, value = self._get("the catalogue", "/api/catalog/v1", page, _parse_catalogue, CATALOGUE_HINT)
            total = value["resultSetSize"]  # type: ignore[index]
            new = {r["resource"]["id"]: r for r in value["results"] if r["resource"]["id"] not in results}  # type: ignore[index]
            results.update(new)
            if not new or len(results) >= total:
                break
        return list(results.values()), total

    def distinct_values(self, dataset_id: str, field: str, limit: int) -> list[tuple[str | None, int]]:
        """Each distinct value of `field` (None for the null group) with its row count, in value order, at most
        `limit` of them: `$select=field, count(*)` with `$group=field`, so the portal does the counting."""
        alias = "rows_in_group" if field == "row_count" else "row_count"
        params = {"$select": f"{field}, count(*) AS {alias}", "$group": field, "$order": field, "$limit": str(limit)}
        _, rows = self._get(f"dataset {dataset_id}", f"/resource/{dataset_id}.json", params, _parse_rows)
        return [(row.get(field), _as_count(row.get(alias))) for row in rows]  # type: ignore[union-attr]

    # -- the Source interface (ctdss.sources) ----------------------------------------------------------------

    def metadata(self, ds: Dataset) -> dict:
        return self.view(ds.id)

    def fetch(self, ds: Dataset, where: str | None, workdir: Path, on_page: Callable[[int], None]) -> list[Path]:
        """Pull every row page by page ($order=:id), writing each page's bytes to workdir. Returns the files."""
        files: list[Path] = []
        offset = 0
        while True:
            params = {"$select": ":id,*", "$order": ":id", "$limit": str(self.page_size), "$offset": str(offset)}
            if where:
                params["$where"] = where
            body, rows = self._get(f"dataset {ds.id}", f"/resource/{ds.id}.json", params, _parse_rows)
            if not rows:
                return files
            path = workdir / f"rows-{len(files) + 1:06d}.json"
            path.write_bytes(body)
            files.append(path)
            offset += len(rows)  # type: ignore[arg-type]
            on_page(len(rows))  # type: ignore[arg-type]

    def preflight(self, datasets: list[Dataset], registry_path: Path) -> str | None:
        """None: a portal is checked dataset by dataset as it is pulled, since checking first would pull twice."""
        return None

    def confirm_vintage(self, ds: Dataset, rows_updated_at_before: datetime | None) -> None:
        if rows_updated_at(self.metadata(ds)) != rows_updated_at_before:
            raise LoadFailure(
                f"Dataset {ds.id} was updated on the portal while it was being pulled (rowsUpdatedAt "
                f"changed), so the pages may mix two versions. Nothing was loaded; run again."
            )

    def check_rows(self, con: duckdb.DuckDBPyConnection, ds: Dataset, files: list[Path], served: list[str]) -> None:
        check_row_keys(con, ds, files, served)


def _parse_object(body: bytes) -> object:
    value = json.loads(body)
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def _parse_catalogue(body: bytes) -> object:
    value = _parse_object(body)
    results = value.get("results")  # type: ignore[union-attr]
    if not isinstance(results, list) or not isinstance(value.get("resultSetSize"), int):  # type: ignore[union-attr]
        raise ValueError("expected a Discovery API answer with `results` and `resultSetSize`")
    if not all(isinstance(r, dict) and isinstance((r.get("resource") or {}).get("id"), str) for r in results):
        raise ValueError("expected each catalogue result to carry `resource.id`")
    return value


def _as_count(value: object) -> int:
    """A group's row count as SoQL serves it (a JSON string such as "12")."""
    try:
        return int(str(value))
    except ValueError:
        return 0


def _parse_rows(body: bytes) -> object:
    value = json.loads(body)
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ValueError("expected a JSON array of row objects")
    return value


def _short_reason(text: str) -> str:
    for marker in ("Connection refused", "Name or service not known", "Temporary failure in name resolution",
                   "Network is unreachable", "No route to host", "Connection reset by peer",
                   "Remote end closed connection", "timed out"):
        if marker in text:
            return marker
    return text[:160]


def _error_message(body: bytes) -> str:
    try:
        value = json.loads(body)
        if isinstance(value, dict) and value.get("message"):
            return str(value["message"])[:300]
    except ValueError:
        pass
    return body[:200].decode("utf-8", "replace") or "no details"
