"""A local Socrata emulator: a real HTTP server on 127.0.0.1 that serves a snapshot directory the way a
Socrata portal (data.ct.gov) does, with faults that tests can inject. Standard library only.

Routes:

- `GET /api/views/{id}.json` -> the dataset's metadata.json.
- `GET /api/catalog/v1` -> the Discovery API over the served datasets' metadata (socrata_emulator/catalogue.py),
  for the domain `SocrataEmulator.domain` (127.0.0.1 unless set).
- `GET /resource/{id}.json` with the SoQL parameters a loader sends:
  - `$select`: `*` (every non-system field; every field with `$$exclude_system_fields=false`), `:id,*`
    (those plus `:id`), `:*,*` (every stored field), a comma list of field names, or `count(*)` [AS name].
  - `$group`: a comma list of fields; `$select` then lists those fields and `count(*)` [AS name] (default name
    `count`), one row per distinct combination, the count a JSON string, a null group value absent from its row.
    `$order` may name the count, which sorts numerically.
  - `$order`: a comma list of fields or `:id`, each with an optional ASC/DESC; values sort as text, nulls
    last ascending.
  - `$limit` (default 1000). Above 50000 the answer is 400, as on a SODA 2.0 endpoint, so a client asking
    for more than the portal allows fails loudly instead of being silently clamped. `$offset`.
  - `$where`: comparisons `field op 'text'` with op one of = != <> > >= < <=, joined by AND / OR with
    parentheses, plus `field IS [NOT] NULL`. Quoted literals compare as text, which orders Socrata floating
    timestamps such as "2021-01-01T00:00:00.000" correctly; an unquoted number compares numerically.
  - simple equality filters `?field=value`.
  Query errors answer 400 with Socrata's error body, e.g. {"code": "query.compiler.malformed", "error": true,
  "message": ...} or {"code": "query.soql.no-such-column", ...}. Unknown ids answer 404 {"code": "not_found"}.

Rows are served exactly as stored: every value a JSON string, a null field absent from its object.

Two standing behaviours of real portals can be switched on: `page_cap` (serve at most that many rows per page
whatever `$limit` asks, as portals capped at 1,000 rows do) and `omit_rows` (row ids left out of every row page
but still counted by `count(*)`, as a portal that drops a page does).

Faults (`SocrataEmulator.inject`) make chosen requests misbehave; see FAULT_KINDS. Every request is recorded
in `SocrataEmulator.requests` (method, path, params, headers with lower-case names).
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from socrata_emulator import catalogue as socrata_catalogue

__all__ = [
    "DEFAULT_LIMIT",
    "FAULT_KINDS",
    "MAX_LIMIT",
    "Fault",
    "Request",
    "SocrataEmulator",
    "write_snapshot",
]

MAX_LIMIT = 50_000
DEFAULT_LIMIT = 1_000
DATASET_ID = re.compile(r"[a-z0-9]{4}-[a-z0-9]{4}")
ROUTE = re.compile(r"/(api/views|resource)/([a-z0-9]{4}-[a-z0-9]{4})\.json")
SYSTEM_FIELDS = frozenset({":id", ":created_at", ":updated_at", ":version"})

# kind -> the options it accepts (any other option is a mistake in the test and raises at inject time).
FAULT_KINDS: dict[str, frozenset[str]] = {
    "status": frozenset({"status", "retry_after", "body"}),  # answer with this status and a JSON error body
    "slow": frozenset({"seconds"}),  # wait this long before answering normally (stop() cuts the wait short)
    "drop": frozenset(),  # close the connection without a response
    "drop_mid_body": frozenset(),  # full Content-Length, half the body, then close
    "truncate": frozenset(),  # 200 with half the JSON body (Content-Length matches what is sent)
    "invalid_json": frozenset(),  # 200 with an HTML body under a JSON content type
    "short_page": frozenset({"rows"}),  # serve only `rows` rows of the page (default: half)
    "duplicate_row": frozenset(),  # replace the page's last row with one served at an earlier offset
    "bump_rows_updated_at": frozenset({"by"}),  # once the answer is built, add `by` (60) to rowsUpdatedAt
    "add_row": frozenset(),  # once the answer is built, append a row (a publication growing mid-pull)
    "trickle": frozenset({"interval", "chunk"}),  # send the body `chunk` (1) bytes per `interval` (0.05) s
    "redirect": frozenset({"to", "status"}),  # answer `status` (302) with Location: `to` + this path and query
}
ROW_FAULTS = frozenset({"short_page", "duplicate_row"})  # only meaningful for /resource requests
FAULT_PATHS = ("any", "resource", "views", "catalog")
CATALOG_PATH = "/api/catalog/v1"

_STATUS_BODIES = {
    202: ("processing", "The request is being processed; try again shortly."),
    400: ("query.compiler.malformed", "Bad request."),
    403: ("permission_denied", "You do not have permission to access this resource."),
    404: ("not_found", "Not found."),
    429: ("too_many_requests", "Too many requests; slow down or use an app token."),
    500: ("internal_error", "Internal server error."),
    502: ("bad_gateway", "Bad gateway."),
    503: ("service_unavailable", "The service is temporarily unavailable."),
    504: ("gateway_timeout", "Gateway timeout."),
}


def write_snapshot(root: Path, dataset_id: str, metadata: dict, rows: list[dict], synthetic: bool = True,
                   rows_per_file: int = 5000) -> Path:
    """Write one dataset in the snapshot format: ROOT/<id>/metadata.json and ROOT/<id>/rows-NNNN.json (JSON
    arrays of at most `rows_per_file` rows; at least one file, `[]` for no rows), replacing any rows files
    already there. ROOT/snapshot.json is created or updated with `synthetic`. Returns ROOT."""
    if rows_per_file < 1:
        raise ValueError("rows_per_file must be at least 1")
    root = Path(root)
    directory = root / dataset_id
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("rows*.json"):
        old.unlink()
    (directory / "metadata.json").write_text(json.dumps(metadata, indent=1) + "\n", encoding="utf-8")
    for n, start in enumerate(range(0, max(len(rows), 1), rows_per_file)):
        chunk = rows[start:start + rows_per_file]
        (directory / f"rows-{n + 1:04d}.json").write_text(json.dumps(chunk), encoding="utf-8")
    info_path = root / "snapshot.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
    info.setdefault("description", "test snapshot")
    info.setdefault("created_at", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    info["synthetic"] = synthetic
    info_path.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return root


def read_snapshot_dataset(directory: Path) -> tuple[dict, list[dict]]:
    """Metadata and rows (rows*.json concatenated in file-name order) of one snapshot dataset directory."""
    meta_path = directory / "metadata.json"
    if not meta_path.exists():
        raise FileNotFoundError(f"{directory} looks like a dataset directory but has no metadata.json")
    rows: list[dict] = []
    for f in sorted(directory.glob("rows*.json")):
        rows.extend(json.loads(f.read_text(encoding="utf-8")))
    return json.loads(meta_path.read_text(encoding="utf-8")), rows


@dataclass
class Request:
    """One request as the emulator received it (before any fault)."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]  # names in lower case


@dataclass
class Fault:
    """A queued fault. It counts matching requests from when it was injected and fires on numbers
    after+1 .. after+times. When two faults are due on the same request the one injected first fires and the
    other fires on the next matching request."""

    kind: str
    path: str = "any"
    dataset_id: str | None = None
    after: int = 0
    times: int = 1
    options: dict = field(default_factory=dict)
    seen: int = 0
    fired: int = 0

    def matches(self, route: str, dataset_id: str) -> bool:
        if self.kind in ROW_FAULTS and route != "resource":
            return False
        return self.path in ("any", route) and self.dataset_id in (None, dataset_id)

    @property
    def exhausted(self) -> bool:
        return self.fired >= self.times


class QueryError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that went away (timeouts, drops) is expected here; handler bugs surface as 500s


class SocrataEmulator:
    """A Socrata portal on 127.0.0.1 serving `snapshot_dir` (or nothing; add datasets with `add_dataset`)."""

    def __init__(self, snapshot_dir: Path | None = None) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self.datasets: dict[str, dict] = {}
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.faults_fired = 0
        self.errors: list[str] = []  # unexpected exceptions in handlers (answered with 500)
        self.page_cap: int | None = None
        self.omitted: set[str] = set()
        self.domain = "127.0.0.1"  # the catalogue's `metadata.domain`, matched by `domains=`
        if snapshot_dir is not None:
            for directory in sorted(Path(snapshot_dir).iterdir()):
                if directory.is_dir() and DATASET_ID.fullmatch(directory.name):
                    self.add_dataset(directory.name, *read_snapshot_dataset(directory))

    # -- state ----------------------------------------------------------------------------------------------

    def add_dataset(self, dataset_id: str, metadata: dict, rows: list[dict]) -> None:
        if not DATASET_ID.fullmatch(dataset_id):
            raise ValueError(f"{dataset_id!r} is not a Socrata 4x4 id such as abcd-1234")
        with self._lock:
            self.datasets[dataset_id] = {"metadata": copy.deepcopy(metadata), "rows": copy.deepcopy(rows)}

    def set_rows(self, dataset_id: str, rows: list[dict]) -> None:
        with self._lock:
            self._dataset(dataset_id)["rows"] = copy.deepcopy(rows)

    def set_metadata(self, dataset_id: str, metadata: dict) -> None:
        with self._lock:
            self._dataset(dataset_id)["metadata"] = copy.deepcopy(metadata)

    def omit_rows(self, row_ids: set[str]) -> None:
        """Leave these row ids out of every row page, while `count(*)` still counts them."""
        with self._lock:
            self.omitted = set(row_ids)

    def remove_dataset(self, dataset_id: str) -> None:
        with self._lock:
            self.datasets.pop(dataset_id, None)

    def metadata(self, dataset_id: str) -> dict:
        """A copy of the metadata currently served for dataset_id."""
        with self._lock:
            return copy.deepcopy(self._dataset(dataset_id)["metadata"])

    def rows(self, dataset_id: str) -> list[dict]:
        """A copy of the rows currently served for dataset_id."""
        with self._lock:
            return copy.deepcopy(self._dataset(dataset_id)["rows"])

    def _dataset(self, dataset_id: str) -> dict:
        try:
            return self.datasets[dataset_id]
        except KeyError:
            raise KeyError(f"the emulator serves no dataset {dataset_id!r}") from None

    # -- faults and observation -----------------------------------------------------------------------------

    def inject(self, kind: str, *, path: str = "any", dataset_id: str | None = None, after: int = 0,
               times: int = 1, **options) -> Fault:
        """Make matching requests number after+1 .. after+times (counted from now) misbehave as `kind`."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(FAULT_KINDS)}")
        if path not in FAULT_PATHS:
            raise ValueError(f"path must be one of {FAULT_PATHS}, not {path!r}")
        if kind in ROW_FAULTS and path == "views":
            raise ValueError(f"a {kind!r} fault applies to /resource requests only")
        if path == "catalog" and kind not in ("status", "drop"):
            raise ValueError("the catalogue takes 'status' and 'drop' faults only")
        if after < 0 or times < 1:
            raise ValueError("after must be >= 0 and times >= 1")
        unknown = set(options) - FAULT_KINDS[kind]
        if unknown:
            allowed = sorted(FAULT_KINDS[kind])
            raise ValueError(f"fault {kind!r} takes options {allowed}, not {sorted(unknown)}")
        if kind == "status" and not isinstance(options.get("status"), int):
            raise ValueError("a 'status' fault needs status=<int>")
        if kind == "slow" and "seconds" not in options:
            raise ValueError("a 'slow' fault needs seconds=<float>")
        fault = Fault(kind, path, dataset_id, after, times, dict(options))
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def requests_to(self, route: str = "any", dataset_id: str | None = None) -> list[Request]:
        """The recorded requests to `route` ("resource", "views" or "any"), optionally for one dataset."""
        with self._lock:
            recorded = list(self.requests)
        out = []
        for r in recorded:
            m = ROUTE.fullmatch(r.path)
            if route != "any" and not (m and (m.group(1) == "api/views") == (route == "views")):
                continue
            if dataset_id is not None and not (m and m.group(2) == dataset_id):
                continue
            out.append(r)
        return out

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until predicate() is true (it is evaluated when a request arrives, a fault fires and a
        response is done); False on timeout. For tests that act while a request is in flight, e.g.
        `emu.wait_until(lambda: emu.faults_fired == 1)`."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    # -- lifecycle ------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port it listens on (the last one, once stopped)."""
        if self._port is None:
            raise RuntimeError("the emulator has not been started: call start() first")
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> SocrataEmulator:
        """Serve on `port` of 127.0.0.1 (0: a free port the system picks)."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = _Server(("127.0.0.1", port), handler)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"socrata-emulator-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: cut short slow responses, close open connections, release the port. Idempotent."""
        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # keep-alive connections would otherwise go on being served
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SocrataEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @staticmethod
    def url_unreachable() -> str:
        """A URL on a local port where nothing listens (bound, then closed): connections are refused."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    # -- request handling -----------------------------------------------------------------------------------

    def _record(self, request: Request) -> None:
        with self._changed:
            self.requests.append(request)
            self._changed.notify_all()

    def _take_fault(self, route: str, dataset_id: str) -> Fault | None:
        with self._changed:
            chosen = None
            for fault in self.faults:
                if fault.exhausted or not fault.matches(route, dataset_id):
                    continue
                fault.seen += 1
                if chosen is None and fault.seen > fault.after:
                    fault.fired += 1
                    self.faults_fired += 1
                    chosen = fault
            if chosen is not None:
                self._changed.notify_all()
            return chosen

    def _query(self, dataset_id: str, params: dict[str, str]) -> list[dict]:
        with self._lock:
            dataset = self.datasets.get(dataset_id)
            if dataset is None:
                raise QueryError("not_found", f"Cannot find view with id {dataset_id}", 404)
            rows = dataset["rows"]
            columns = dataset["metadata"].get("columns", [])
            known = {c["fieldName"] for c in columns if c.get("fieldName")} | {k for r in rows for k in r}
            known |= SYSTEM_FIELDS
            rows = copy.deepcopy(rows)
            cap, omitted = self.page_cap, set(self.omitted)
        if "count(" not in params.get("$select", "").lower():
            rows = [r for r in rows if r.get(":id") not in omitted]
            if cap is not None and _int_param(params, "$limit", DEFAULT_LIMIT) > cap:
                params = {**params, "$limit": str(cap)}
        return run_query(rows, known, params)


def run_query(rows: list[dict], known: set[str], params: dict[str, str]) -> list[dict]:
    """Apply the SoQL parameters in `params` to `rows` (whose possible field names are `known`)."""
    for name in params:
        if name.startswith("$$"):
            continue  # $$app_token, $$exclude_system_fields (honoured below) and friends
        if name.startswith("$") and name not in ("$select", "$where", "$order", "$limit", "$offset", "$group"):
            raise QueryError("query.compiler.malformed", f"Unsupported or unrecognized parameter: {name}")
    limit = _int_param(params, "$limit", DEFAULT_LIMIT)
    offset = _int_param(params, "$offset", 0)
    if limit > MAX_LIMIT:
        raise QueryError("query.execution.limitTooHigh", f"$limit may be at most {MAX_LIMIT} (got {limit})")
    for name, value in params.items():  # simple filters: ?field=value
        if not name.startswith("$"):
            _check_column(name, known)
            rows = [r for r in rows if r.get(name) == value]
    where = params.get("$where", "").strip()
    if where:
        predicate = _WhereParser(where, known).parse()
        rows = [r for r in rows if predicate(r)]
    select = re.sub(r"\s+", " ", params.get("$select", "*").strip())
    if params.get("$group", "").strip():
        rows, counted = _grouped(rows, select, params["$group"], known)
        _sort(rows, params.get("$order", ""), known, counted)
        return rows[offset:offset + limit]
    _sort(rows, params.get("$order", ""), known)
    count = re.fullmatch(r"(?i)count\(\s*\*\s*\)(?:\s+as\s+([A-Za-z_][A-Za-z0-9_]*))?", select)
    if count:
        return [{count.group(1) or "count": str(len(rows))}][offset:offset + limit]
    rows = rows[offset:offset + limit]
    items = [s.strip() for s in select.split(",")]
    if any(not s for s in items):
        raise QueryError("query.compiler.malformed", f"Could not parse $select: {select}")
    for s in items:
        if s not in ("*", ":*"):
            _check_column(s, known)
    if items == ["*"] and params.get("$$exclude_system_fields", "true").lower() == "false":
        return rows
    if items == ["*"]:
        return [{k: v for k, v in r.items() if not k.startswith(":")} for r in rows]
    if sorted(items) == sorted([":id", "*"]):
        return [{k: v for k, v in r.items() if k == ":id" or not k.startswith(":")} for r in rows]
    if sorted(items) == sorted([":*", "*"]):
        return rows
    if "*" in items or ":*" in items:
        raise QueryError("query.compiler.malformed", f"Unsupported $select: {select}")
    return [{k: r[k] for k in items if k in r} for r in rows]


def _sort(rows: list[dict], order: str, known: set[str], numeric: str | None = None) -> None:
    """Sort rows in place by a SoQL `$order` (fields with optional ASC/DESC); `numeric` sorts as a number."""
    if not order.strip():
        return
    keys = []
    for part in order.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise QueryError("query.compiler.malformed", f"Could not parse $order: {order}")
        if words[0] != numeric:
            _check_column(words[0], known)
        keys.append((words[0], len(words) == 2 and words[1].upper() == "DESC"))
    for name, descending in reversed(keys):  # stable sorts, least significant key first
        if name == numeric:
            rows.sort(key=lambda r, n=name: int(r[n]), reverse=descending)
        else:
            rows.sort(key=lambda r, n=name: (r.get(n) is None, r.get(n) or ""), reverse=descending)


def _grouped(rows: list[dict], select: str, group: str, known: set[str]) -> tuple[list[dict], str | None]:
    """One row per distinct value of the `$group` fields, with the `count(*)` of `$select` if it asks for one.
    Returns the rows and the count's name."""
    fields = [g.strip() for g in group.split(",")]
    for name in fields:
        _check_column(name, known)
    counted = None
    for item in (s.strip() for s in select.split(",")):
        count = re.fullmatch(r"(?i)count\(\s*\*\s*\)(?:\s+as\s+([A-Za-z_][A-Za-z0-9_]*))?", item)
        if count:
            counted = count.group(1) or "count"
        elif item not in fields:
            raise QueryError("query.compiler.malformed", f"Column {item} must be in $group or aggregated")
    groups: dict[tuple, int] = {}
    for row in rows:
        key = tuple(row.get(name) for name in fields)
        groups[key] = groups.get(key, 0) + 1
    out = []
    for key, n in groups.items():
        item = {name: value for name, value in zip(fields, key, strict=True) if value is not None}
        if counted:
            item[counted] = str(n)
        out.append(item)
    return out, counted


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"\d+", text.strip()):
        raise QueryError("query.compiler.malformed", f"{name} must be a non-negative integer, not {text!r}")
    return int(text)


def _check_column(name: str, known: set[str]) -> None:
    if name not in known:
        raise QueryError("query.soql.no-such-column", f"No such column: {name}")


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)(?![A-Za-z_])|(?P<op>>=|<=|!=|<>|=|>|<)"
    r"|(?P<paren>[()])|(?P<name>:?[A-Za-z_][A-Za-z0-9_]*|`[^`]+`))"
)
_OPS: dict[str, Callable[[object, object], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<>": lambda a, b: a != b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
}
Predicate = Callable[[dict], bool]


class _WhereParser:
    """Recursive descent: or := and (OR and)*; and := atom (AND atom)*; atom := '(' or ')' | comparison."""

    def __init__(self, text: str, known: set[str]) -> None:
        self.text, self.known = text, known
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                self._fail(f"unexpected text at position {pos + 1}")
            kind = m.lastgroup
            if kind is None:  # trailing whitespace
                break
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def _fail(self, why: str) -> None:
        raise QueryError("query.compiler.malformed", f"Could not parse $where: {self.text!r} ({why})")

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _next(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            self._fail("unexpected end of expression")
        self.i += 1
        return token  # type: ignore[return-value]

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token and token[0] == "name" and token[1].upper() == word:
            self.i += 1
            return True
        return False

    def parse(self) -> Predicate:
        predicate = self._or()
        if self._peek() is not None:
            self._fail(f"unexpected {self._peek()[1]!r}")  # type: ignore[index]
        return predicate

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._keyword("OR"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._atom()]
        while self._keyword("AND"):
            parts.append(self._atom())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def _atom(self) -> Predicate:
        kind, text = self._next()
        if (kind, text) == ("paren", "("):
            inner = self._or()
            if self._next() != ("paren", ")"):
                self._fail("missing ')'")
            return inner
        if kind != "name" or text.upper() in ("AND", "OR", "IS", "NULL", "NOT"):
            self._fail(f"expected a column name, found {text!r}")
        column = text.strip("`")
        _check_column(column, self.known)
        if self._keyword("IS"):
            negate = self._keyword("NOT")
            if not self._keyword("NULL"):
                self._fail("expected NULL after IS")
            return lambda r: (r.get(column) is None) != negate
        op_kind, op = self._next()
        if op_kind != "op":
            self._fail(f"expected a comparison operator after {column}, found {op!r}")
        lit_kind, literal = self._next()
        compare = _OPS[op]
        if lit_kind == "str":
            value = literal[1:-1].replace("''", "'")
            return lambda r: r.get(column) is not None and compare(r[column], value)
        if lit_kind == "num":
            number = float(literal)
            return lambda r: _as_number(r.get(column)) is not None and compare(_as_number(r[column]), number)
        self._fail(f"expected a literal after {column} {op}, found {literal!r}")
        raise AssertionError  # unreachable


def _as_number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class _Handler(BaseHTTPRequestHandler):
    emulator: SocrataEmulator
    protocol_version = "HTTP/1.1"
    server_version = "SocrataEmulator/1"

    def setup(self) -> None:
        super().setup()
        with self.emulator._lock:
            self.emulator._connections.add(self.connection)

    def finish(self) -> None:
        with self.emulator._lock:
            self.emulator._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        emu = self.emulator
        parts = urlsplit(self.path)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        params = dict(pairs)
        emu._record(Request("GET", parts.path, params, {k.lower(): v for k, v in self.headers.items()}))
        try:
            if parts.path == CATALOG_PATH:
                self._serve_catalogue(pairs)
            else:
                self._serve(parts.path, params)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # a bug in the emulator: answer 500 and keep it for the test to see
            with emu._lock:
                emu.errors.append(f"{type(exc).__name__}: {exc}")
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._send(500, _error("internal_error", f"emulator error: {exc}"))
        finally:
            with emu._changed:
                emu._changed.notify_all()

    def _serve(self, path: str, params: dict[str, str]) -> None:
        emu = self.emulator
        m = ROUTE.fullmatch(path)
        if not m:
            return self._send(404, _error("not_found", f"No route for {path}"))
        route = "views" if m.group(1) == "api/views" else "resource"
        dataset_id = m.group(2)
        fault = emu._take_fault(route, dataset_id)
        kind = fault.kind if fault else None
        if fault and kind == "status":
            status = fault.options["status"]
            headers = {}
            if fault.options.get("retry_after") is not None:
                headers["Retry-After"] = str(fault.options["retry_after"])
            code, message = _STATUS_BODIES.get(status, ("error", f"HTTP {status}"))
            body = fault.options.get("body", _error(code, message))
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            return self._send_bytes(status, payload, headers)
        if kind == "drop":
            return self._drop()
        if fault and kind == "redirect":
            query = urlsplit(self.path).query
            location = fault.options["to"].rstrip("/") + path + (f"?{query}" if query else "")
            return self._send_bytes(int(fault.options.get("status", 302)), b"", {"Location": location})
        if fault and kind == "slow":
            emu._stopping.wait(float(fault.options["seconds"]))
            if emu._stopping.is_set():
                return self._drop()

        status, body = 200, None
        try:
            if route == "views":
                body = emu.metadata(dataset_id) if dataset_id in emu.datasets else None
                if body is None:
                    raise QueryError("not_found", f"Cannot find view with id {dataset_id}", 404)
            else:
                body = emu._query(dataset_id, params)
        except QueryError as exc:
            status, body = exc.status, _error(exc.code, exc.message)
        except KeyError:  # removed between the check and the read
            status, body = 404, _error("not_found", f"Cannot find view with id {dataset_id}")

        if status == 200 and fault and kind == "short_page":
            body = body[: int(fault.options.get("rows", len(body) // 2))]
        if status == 200 and fault and kind == "duplicate_row" and body:
            offset = _int_param(params, "$offset", 0)
            earlier = emu._query(dataset_id, {**params, "$offset": str(max(0, offset - 1)), "$limit": "1"})
            body = [*body[:-1], *earlier]
        payload = json.dumps(body).encode()
        if kind == "truncate":
            payload = payload[: max(1, len(payload) // 2)]
        elif kind == "invalid_json":
            payload = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
        elif kind == "trickle":
            return self._trickle(status, payload, float(fault.options.get("interval", 0.05)),
                                 int(fault.options.get("chunk", 1)))
        elif kind == "drop_mid_body":
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: max(1, len(payload) // 2)])
            self.wfile.flush()
            return self._drop()
        # The answer is already built, so it does not show the change; a change made after sending it would race
        # with the client's next request, which may arrive first.
        if kind in ("bump_rows_updated_at", "add_row"):
            self._change_after_answer(kind, fault, dataset_id)
        self._send_bytes(status, payload)
        return None

    def _change_after_answer(self, kind: str, fault: Fault, dataset_id: str) -> None:
        """The change to the data that a fault makes once its response is built: a later rowsUpdatedAt, or one
        more row."""
        emu = self.emulator
        with emu._lock:
            dataset = emu.datasets.get(dataset_id)
            if dataset is None:
                return
            if kind == "bump_rows_updated_at":
                meta = dataset["metadata"]
                meta["rowsUpdatedAt"] = int(meta.get("rowsUpdatedAt", 0)) + int(fault.options.get("by", 60))
            else:
                rows = dataset["rows"]
                rows.append({**(rows[-1] if rows else {}), ":id": f"row-added-{len(rows):06d}"})

    def _trickle(self, status: int, payload: bytes, interval: float, chunk: int) -> None:
        """Send the whole Content-Length up front, then the body a few bytes at a time until done or stopped."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        for start in range(0, len(payload), chunk):
            self.wfile.write(payload[start:start + chunk])
            self.wfile.flush()
            if self.emulator._stopping.wait(interval):
                return self._drop()
        return None

    def _serve_catalogue(self, pairs: list[tuple[str, str]]) -> None:
        emu = self.emulator
        fault = emu._take_fault("catalog", "")
        if fault and fault.kind == "status":
            code, message = _STATUS_BODIES.get(fault.options["status"], ("error", "HTTP error"))
            return self._send(fault.options["status"], _error(code, message))
        if fault and fault.kind == "drop":
            return self._drop()
        with emu._lock:
            metadatas = [copy.deepcopy(d["metadata"]) for d in emu.datasets.values()]
        try:
            body = socrata_catalogue.answer(metadatas, pairs, emu.domain)
        except socrata_catalogue.CatalogueError as exc:
            return self._send(400, {"error": exc.message})
        return self._send(200, body)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(body).encode(), headers)

    def _send_bytes(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)


def _error(code: str, message: str) -> dict:
    return {"code": code, "error": True, "message": message}
