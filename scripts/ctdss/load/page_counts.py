"""How a pull counts the rows of each page the portal serves, which sets the offset of the next page.

A page must be counted before the next can be asked for. Parsing it in Python costs about as long as the
portal takes to serve it, so by default (`CountedBehind`) a page is counted by its `":id"` keys (the pull asks
for `$select=:id,*`, so each row carries one) and the next page is asked for at once, while DuckDB checks the
written page on another thread (it does not hold the GIL): a JSON array of that many objects. A page that
disagrees, which only a corrupt page or a portal that drops `:id` would serve, makes the pull start again with
`CountedFirst`: each page parsed in full before the next, and a bad page retried on its own.
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import duckdb

ID_KEY = b'":id"'


class PagesDisagree(Exception):
    """A page checked after the next was asked for does not hold the rows it was counted as."""


class PageCounts(Protocol):
    def rows(self, body: bytes) -> int:
        """The rows of a page as served; ValueError if the page is not a JSON array of row objects."""

    def written(self, path: Path, rows: int) -> None:
        """The page counted as `rows` rows is written at `path`."""

    def confirm(self) -> None:
        """Every page was counted right (PagesDisagree if not). Call once, after the last page."""

    def close(self) -> None:
        """Stop checking (pages not yet checked are left). Call once the pull is over, whatever its end."""


def parse_rows(body: bytes) -> list[dict]:
    value = json.loads(body)
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ValueError("expected a JSON array of row objects")
    return value


class CountedFirst:
    """Each page parsed in full as it arrives."""

    def rows(self, body: bytes) -> int:
        return len(parse_rows(body))

    def written(self, path: Path, rows: int) -> None:
        pass

    def confirm(self) -> None:
        pass

    def close(self) -> None:
        pass


class CountedBehind:
    """Each page counted by its `:id` keys, and checked by DuckDB on a second thread once written."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ctdss-page-check")
        self._checks: list[Future[bool]] = []

    def rows(self, body: bytes) -> int:
        # No `:id` at all: an empty page (which the pull retries), or a portal that ignores `:id`, so parse it.
        return body.count(ID_KEY) or len(parse_rows(body))

    def written(self, path: Path, rows: int) -> None:
        self._checks.append(self._pool.submit(_holds, path, rows))

    def confirm(self) -> None:
        if not all(check.result() for check in self._checks):
            raise PagesDisagree

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


def _holds(path: Path, rows: int) -> bool:
    """Whether the file is a JSON array of exactly `rows` objects."""
    con = duckdb.connect()
    try:
        counted = con.execute(
            "select count(*), count(*) filter (where json_type(json) = 'OBJECT') "
            "from read_json_objects(?, format = 'array')", [str(path)]
        ).fetchone()
    except duckdb.Error:
        return False
    finally:
        con.close()
    return counted == (rows, rows)
