"""The live source: a Socrata portal (data.ct.gov by default, or a local emulator), reached through sodapy.

sodapy supplies the session; `ctdss.load.transport` sends the app token to the portal's origin only, follows
redirects only within it and bounds each whole response by a deadline. Rows are requested page by page with an
explicit `$order=:id`, because sodapy's `get_all` pages without an order and can duplicate or skip rows. Each
page is kept as the bytes the portal served and written to disk; DuckDB lands the files in bulk.

A pull is checked against the portal's own count of the rows (`$select=count(*)` with the same `$where`),
taken before paging and again after: a pull that ends early, or a publication that changes under it, is refused
rather than landed as if it were the whole dataset.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import requests
from sodapy import Socrata

from ctdss.config import dataset_deadline_seconds, request_deadline_seconds
from ctdss.errors import LoadFailure, UserError
from ctdss.load.contract import Vintage, vintage
from ctdss.load.landing import check_row_keys
from ctdss.load.page_counts import CountedBehind, CountedFirst, PageCounts, PagesDisagree, parse_rows
from ctdss.load.sources import AlreadyLanded
from ctdss.load.transport import DeadlineMissed, PortalHTTP, WatchedAdapter
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
    request_deadline: float = field(default_factory=request_deadline_seconds)
    dataset_deadline: float = field(default_factory=dataset_deadline_seconds)


class PortalError(UserError):
    """The portal could not serve a request after bounded retries."""

    def __init__(self, message: str, status: int | None = None, unreachable: bool = False, reason: str = "",
                 failure: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.unreachable = unreachable
        self.reason = reason  # the last attempt's failure in a few words, for callers that word their own message
        self.failure = failure or message  # what failed, without what follows for a load: for other commands


class _Transient(Exception):
    """A failed attempt worth retrying. `refusal`, if set, is the error once the attempts run out."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None,
                 refusal: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.refusal = refusal


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
    Implements `ctdss.load.sources.Source`."""

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
        adapter = {"prefix": f"{parts.scheme}://", "adapter": WatchedAdapter()}
        # sodapy warns on the root logger when there is no token; the CLI's own output is enough.
        logging.disable(logging.WARNING)
        try:
            self._client = Socrata(parts.netloc, token, session_adapter=adapter, timeout=self.policy.read_timeout)
        finally:
            logging.disable(logging.NOTSET)
        self._http = PortalHTTP(self._client.session, self.portal, token, self.policy.connect_timeout,
                                self.policy.read_timeout)
        self._started: dict[str, float] = {}  # dataset id -> when its run began (monotonic), for its deadline

    def close(self) -> None:
        self._client.close()

    # -- requests ---------------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self._client.uri_prefix}{self._client.domain}{path}"

    def _remaining(self, what: str) -> float:
        """Seconds left of the deadline of `what` (a dataset's run, counted from when its metadata was first read;
        or an onboarding request, counted from its first attempt)."""
        started = self._started.setdefault(what, time.monotonic())
        return self.policy.dataset_deadline - (time.monotonic() - started)

    def _get(self, what: str, path: str, params: Params, parse: Callable[[bytes], object], hint: str = ID_HINT):
        """GET with retries. Returns (raw bytes, parsed value). `what` names the request in messages ("dataset
        abcd-1234") and keys its deadline; `hint` is what to check when the portal refuses it. Never puts the
        token in a message."""
        policy = self.policy
        last: _Transient | None = None
        for attempt in range(1, policy.attempts + 1):
            if self._remaining(what) <= 0:
                raise self._dataset_deadline(what, last)
            try:
                return self._attempt(path, params, parse, min(policy.request_deadline, self._remaining(what)), hint)
            except _Transient as exc:
                last = exc
            if attempt == policy.attempts:
                break
            delay = min(policy.backoff_max, policy.backoff_base * 2 ** (attempt - 1))
            delay *= 1 + random.random() * 0.1
            if last.retry_after is not None:
                delay = max(delay, min(last.retry_after, policy.retry_after_max))
            if delay >= self._remaining(what):
                raise self._dataset_deadline(what, last)
            self.sleep(delay)
        assert last is not None
        raise self._exhausted(what, path, last)

    def _exhausted(self, what: str, path: str, last: _Transient) -> UserError:
        attempts = self.policy.attempts
        if last.refusal:
            return LoadFailure(last.refusal.format(attempts=attempts))
        if last.status is None and last.reason.startswith("cannot connect"):
            failure = (f"Could not reach the Socrata portal at {self.portal} ({what}) after {attempts} attempts: "
                       f"{last.reason}")
            return PortalError(
                f"{failure}. Nothing was loaded and the warehouse is unchanged. Check the network, a proxy, or "
                f"--portal. {OFFLINE_HINT}",
                unreachable=True, reason=last.reason, failure=failure,
            )
        status = f"HTTP {last.status}" if last.status is not None else "no HTTP status"
        return PortalError(
            f"The Socrata portal at {self.portal} failed to serve {path} for {what} after "
            f"{attempts} attempts ({status}: {last.reason}). The portal may be down or rate-limiting; "
            f"try again later (an app token in SOCRATA_APP_TOKEN raises the rate limits). {OFFLINE_HINT}",
            status=last.status,
        )

    def _dataset_deadline(self, what: str, last: _Transient | None) -> LoadFailure:
        why = f" (the last attempt: {last.reason})" if last else ""
        return LoadFailure(
            f"{what[:1].upper()}{what[1:]} was not pulled from {self.portal} within its deadline of "
            f"{self.policy.dataset_deadline:g} s{why}. Nothing was loaded and the previous data is unchanged. "
            f"Run again later, or raise CTDSS_DATASET_DEADLINE if the dataset is large and the portal slow."
        )

    def _attempt(self, path: str, params: Params, parse: Callable[[bytes], object], deadline: float, hint: str):
        try:
            reply = self._http.get(self._url(path), params, deadline)
        except DeadlineMissed:
            raise _Transient(f"the response did not arrive whole within {deadline:g} s (request deadline; "
                             f"CTDSS_REQUEST_DEADLINE sets it)") from None
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
        if reply.status in RETRY_STATUSES:
            raise _Transient(
                reply.reason or "retryable status",
                status=reply.status,
                retry_after=_retry_after_seconds(reply.headers.get("retry-after")),
            )
        if reply.status != 200:
            raise PortalError(
                f"The Socrata portal at {self.portal} answered HTTP {reply.status} ({reply.reason}) for {path}: "
                f"{_error_message(reply.body)}. {hint}",
                status=reply.status,
            )
        try:
            return reply.body, parse(reply.body)
        except ValueError as exc:
            raise _Transient(f"the response was not the expected JSON ({exc})", status=reply.status) from None

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
        _, rows = self._get(f"dataset {dataset_id}", f"/resource/{dataset_id}.json", params, parse_rows)
        return [(row.get(field), _as_count(row.get(alias))) for row in rows]  # type: ignore[union-attr]

    # -- the Source interface (ctdss.load.sources) ----------------------------------------------------------------

    def metadata(self, ds: Dataset) -> dict:
        """The dataset's metadata. The first read starts the dataset's run, and with it its deadline."""
        self._started[_label(ds)] = time.monotonic()
        return self._metadata(ds)

    def _metadata(self, ds: Dataset) -> dict:
        return self.view(ds.id)

    def row_count(self, ds: Dataset) -> int:
        """The portal's count of the dataset's rows (`$select=count(*)`): what a full pull would bring."""
        return self._count(ds, None)

    def _count(self, ds: Dataset, where: str | None) -> int:
        """The portal's count of the rows matching `where`: what a complete pull must bring."""
        params = {"$select": "count(*) as row_count", **({"$where": where} if where else {})}
        _, value = self._get(_label(ds), f"/resource/{ds.id}.json", params, _parse_count)
        return value  # type: ignore[return-value]

    def fetch(self, ds: Dataset, where: str | None, workdir: Path, on_page: Callable[[int], None]) -> list[Path]:
        """Pull every row page by page ($order=:id), writing each page's bytes to workdir. Returns the files.
        A page shorter than asked for is normal (the portal may cap the page size); the pull goes on until it
        has the rows the portal counted, and an empty page before then is retried, then refused. Pages are
        counted as `page_counts` says: checked behind, and pulled again each checked first if one disagrees."""
        expected = self._count(ds, where)
        try:
            files, pulled = self._pull(ds, where, workdir, on_page, expected, CountedBehind())
        except PagesDisagree:
            files, pulled = self._pull(ds, where, workdir, on_page, expected, CountedFirst())
        recount = self._count(ds, where)
        if pulled != expected or recount != expected:
            raise LoadFailure(
                f"Dataset {ds.id} changed on the portal while it was being pulled: the portal counted "
                f"{expected:,} rows before the pull, served {pulled:,} and counts {recount:,} now, so the pages "
                f"may mix two versions. Nothing was loaded and the previous data is unchanged; run again."
            )
        return files

    def _pull(self, ds: Dataset, where: str | None, workdir: Path, on_page: Callable[[int], None], expected: int,
              counts: PageCounts) -> tuple[list[Path], int]:
        """The pages in order, with the rows they were counted as. Each next page is asked for, on a second
        thread, as soon as the last one is counted, so the portal serves it while the last is written: one
        request is in flight at a time, and in the order a page-by-page pull sends them."""
        files: list[Path] = []
        pulled = 0
        try:
            page = _Background(self._page, ds, where, 0, expected, counts) if expected else None
            while page is not None:
                body, rows = page.result()
                pulled += rows
                page = _Background(self._page, ds, where, pulled, expected, counts) if pulled < expected else None
                path = workdir / f"rows-{len(files) + 1:06d}.json"
                path.write_bytes(body)
                counts.written(path, rows)
                files.append(path)
                on_page(rows)
            counts.confirm()
        except PagesDisagree:
            # The pull starts again: it leaves no page of this one behind and takes back the rows it reported.
            for path in files:
                path.unlink(missing_ok=True)
            on_page(-pulled)
            raise
        finally:
            counts.close()
        return files, pulled

    def _page(self, ds: Dataset, where: str | None, offset: int, expected: int,
              counts: PageCounts) -> tuple[bytes, int]:
        params = {"$select": ":id,*", "$order": ":id", "$limit": str(self.page_size), "$offset": str(offset)}
        if where:
            params["$where"] = where

        def parse(body: bytes) -> object:
            rows = counts.rows(body)
            if not rows:
                raise _Transient(f"an empty page at row {offset:,} of the {expected:,} counted",
                                 refusal=_short_pull(self.portal, ds, offset, expected))
            return rows

        return self._get(_label(ds), f"/resource/{ds.id}.json", params, parse)  # type: ignore[return-value]

    def holds(self, ds: Dataset) -> bool:
        """True: whether the portal has a dataset is only known by reading it, which fails naming it if not."""
        return True

    def preflight(self, datasets: list[Dataset], registry_path: Path, landed: AlreadyLanded) -> str | None:
        """None: a portal is checked dataset by dataset as it is pulled, since checking first would pull twice."""
        return None

    def confirm_vintage(self, ds: Dataset, before: Vintage | None) -> None:
        after = vintage(self._metadata(ds))
        if after != before:
            stamp = before.stamp if before else "rowsUpdatedAt"
            raise LoadFailure(
                f"Dataset {ds.id} was updated on the portal while it was being pulled ({stamp} "
                f"changed), so the pages may mix two versions. Nothing was loaded; run again."
            )

    def check_rows(self, con: duckdb.DuckDBPyConnection, ds: Dataset, files: list[Path], served: list[str]) -> None:
        check_row_keys(con, ds, files, served)


class _Background:
    """A call run on a daemon thread; `result()` waits for it. A pull that fails or is interrupted while the
    next page is in flight does not wait for it (an executor's thread would hold up the process's exit until
    the request ended on its deadline)."""

    def __init__(self, call: Callable[..., object], *args: object) -> None:
        self._value: object = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call, args), name="ctdss-page", daemon=True)
        self._thread.start()

    def _run(self, call: Callable[..., object], args: tuple) -> None:
        try:
            self._value = call(*args)
        except BaseException as exc:  # handed to the caller of result(), whatever it is
            self._error = exc

    def result(self):  # type: ignore[no-untyped-def] - the call's own result
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _short_pull(portal: str, ds: Dataset, pulled: int, expected: int) -> str:
    """The refusal of a pull that keeps ending early; `{attempts}` is filled in once the attempts are spent."""
    return (
        f"The Socrata portal at {portal} served an empty page for dataset {ds.id} after {pulled:,} of the "
        f"{expected:,} rows it counted, on each of {{attempts}} attempts, so the pull ended "
        f"{expected - pulled:,} rows short. Landing it would replace the dataset with part of it, so nothing was "
        f"loaded and the previous data is unchanged. Run again later; if it persists, the portal is dropping pages."
    )


def _parse_count(body: bytes) -> object:
    value = json.loads(body)
    if not (isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict) and len(value[0]) == 1):
        raise ValueError("expected one row with one count")
    count = next(iter(value[0].values()))
    if isinstance(count, bool) or not str(count).isdigit():
        raise ValueError(f"the count {count!r} is not a whole number")
    return int(count)


def _parse_object(body: bytes) -> object:
    value = json.loads(body)
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
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


def _label(ds: Dataset) -> str:
    """How messages name a dataset; also the key of its run's deadline."""
    return f"dataset {ds.id}"
