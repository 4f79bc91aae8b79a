"""A local Socrata emulator: a real HTTP server on 127.0.0.1 that serves a snapshot directory the way a Socrata
portal does, with faults that tests can inject.

Serves `/api/views/{id}.json` (the metadata) and `/resource/{id}.json` with the SoQL parameters the loader sends:
`$select` (`*`, `:id,*`, or a list of fields), `$order` (fields or `:id`, with ASC/DESC), `$limit` (default 1000,
at most 50000, as SODA 2.0), `$offset` and `$where` (`field op 'literal'` terms joined by AND; values compare as
text, which orders Socrata floating timestamps correctly).
"""

from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Fault", "Request", "SocrataEmulator", "write_snapshot"]

MAX_LIMIT = 50_000
DEFAULT_LIMIT = 1_000
FAULT_KINDS = {
    "status", "slow", "drop", "drop_mid_body", "truncate", "invalid_json", "short_page", "duplicate_row",
    "bump_rows_updated_at",
}
_TERM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*|:id)\s*(>=|<=|!=|=|>|<)\s*'((?:[^']|'')*)'\s*$")


def write_snapshot(root: Path, dataset_id: str, metadata: dict, rows: list[dict], *, synthetic: bool = True,
                   rows_per_file: int = 5000) -> Path:
    """Write one dataset in the snapshot format (DIR/<id>/metadata.json, DIR/<id>/rows-NNNN.json)."""
    root = Path(root)
    directory = root / dataset_id
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("rows*.json"):
        old.unlink()
    (directory / "metadata.json").write_text(json.dumps(metadata, indent=1), encoding="utf-8")
    for n, start in enumerate(range(0, max(len(rows), 1), rows_per_file)):
        (directory / f"rows-{n + 1:04d}.json").write_text(json.dumps(rows[start:start + rows_per_file]),
                                                          encoding="utf-8")
    info = root / "snapshot.json"
    if not info.exists():
        info.write_text(json.dumps({"synthetic": synthetic, "description": "test snapshot"}), encoding="utf-8")
    return root


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]  # names in lower case


@dataclass
class Fault:
    kind: str
    path: str = "any"
    dataset_id: str | None = None
    after: int = 0
    times: int = 1
    options: dict = field(default_factory=dict)
    seen: int = 0
    fired: int = 0

    def matches(self, kind: str, dataset_id: str) -> bool:
        return (self.path in ("any", kind)) and (self.dataset_id in (None, dataset_id))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class SocrataEmulator:
    def __init__(self, snapshot_dir: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.datasets: dict[str, dict] = {}
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.faults_fired = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if snapshot_dir is not None:
            for directory in sorted(Path(snapshot_dir).iterdir()):
                if directory.is_dir() and (directory / "metadata.json").exists():
                    rows: list[dict] = []
                    for f in sorted(directory.glob("rows*.json")):
                        rows.extend(json.loads(f.read_text(encoding="utf-8")))
                    meta = json.loads((directory / "metadata.json").read_text(encoding="utf-8"))
                    self.add_dataset(directory.name, meta, rows)

    # -- state ----------------------------------------------------------------------------------------------

    def add_dataset(self, dataset_id: str, metadata: dict, rows: list[dict]) -> None:
        with self._lock:
            self.datasets[dataset_id] = {"metadata": json.loads(json.dumps(metadata)), "rows": list(rows)}

    def set_rows(self, dataset_id: str, rows: list[dict]) -> None:
        with self._lock:
            self.datasets[dataset_id]["rows"] = list(rows)

    def set_metadata(self, dataset_id: str, metadata: dict) -> None:
        with self._lock:
            self.datasets[dataset_id]["metadata"] = json.loads(json.dumps(metadata))

    def remove_dataset(self, dataset_id: str) -> None:
        with self._lock:
            self.datasets.pop(dataset_id, None)

    def inject(self, kind: str, *, path: str = "any", dataset_id: str | None = None, after: int = 0,
               times: int = 1, **options) -> Fault:
        """Make matching requests number after+1 .. after+times (counted from now) misbehave."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(FAULT_KINDS)}")
        if path not in ("any", "resource", "views"):
            raise ValueError("path must be 'any', 'resource' or 'views'")
        fault = Fault(kind, path, dataset_id, after, times, options)
        with self._lock:
            self.faults.append(fault)
        return fault

    # -- lifecycle ------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the emulator first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> SocrataEmulator:
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="socrata-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # cuts short any "slow" response in flight
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SocrataEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @staticmethod
    def url_unreachable() -> str:
        """A URL on a local port where nothing listens: connections are refused at once."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    # -- request handling -----------------------------------------------------------------------------------

    def _take_fault(self, kind: str, dataset_id: str) -> Fault | None:
        with self._lock:
            chosen = None
            for fault in self.faults:
                if not fault.matches(kind, dataset_id) or fault.fired >= fault.times:
                    continue
                fault.seen += 1
                if chosen is None and fault.seen > fault.after:
                    fault.fired += 1
                    self.faults_fired += 1
                    chosen = fault
            return chosen

    def _query(self, dataset_id: str, params: dict[str, str]) -> tuple[int, object]:
        with self._lock:
            dataset = self.datasets.get(dataset_id)
            rows = list(dataset["rows"]) if dataset else None
        if rows is None:
            return 404, _error("not_found", f"Dataset {dataset_id} not found")
        try:
            limit = int(params.get("$limit", DEFAULT_LIMIT))
            offset = int(params.get("$offset", 0))
        except ValueError:
            return 400, _error("query.compiler.malformed", "$limit and $offset must be integers")
        if limit > MAX_LIMIT or limit < 0 or offset < 0:
            return 400, _error("query.compiler.malformed", f"$limit must be between 0 and {MAX_LIMIT}")
        where = params.get("$where")
        if where:
            terms = re.split(r"\s+(?:AND|and)\s+", where)
            parsed = [_TERM.match(t) for t in terms]
            if not all(parsed):
                return 400, _error("query.compiler.malformed", f"Could not parse $where: {where}")
            for m in parsed:
                rows = [r for r in rows if _compare(r.get(m.group(1)), m.group(2), m.group(3).replace("''", "'"))]
        order = params.get("$order")
        if order:
            for part in reversed([p.strip() for p in order.split(",")]):
                name, _, direction = part.partition(" ")
                rows.sort(key=lambda r, n=name: (r.get(n) is None, r.get(n) or ""),
                          reverse=direction.strip().upper() == "DESC")
        rows = rows[offset:offset + limit]
        select = params.get("$select", "*").replace(" ", "")
        if select == "*":
            rows = [{k: v for k, v in r.items() if not k.startswith(":")} for r in rows]
        elif select != ":id,*":
            wanted = select.split(",")
            rows = [{k: r[k] for k in wanted if k in r} for r in rows]
        return 200, rows


def _compare(value: str | None, op: str, literal: str) -> bool:
    if value is None:
        return False
    return {
        "=": value == literal, "!=": value != literal, ">": value > literal, ">=": value >= literal,
        "<": value < literal, "<=": value <= literal,
    }[op]


def _error(code: str, message: str) -> dict:
    return {"code": code, "error": True, "message": message}


class _Handler(BaseHTTPRequestHandler):
    emulator: SocrataEmulator
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        emu = self.emulator
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        with emu._lock:
            emu.requests.append(Request("GET", parts.path, params, {k.lower(): v for k, v in self.headers.items()}))
        m = re.fullmatch(r"/(api/views|resource)/([a-z0-9]{4}-[a-z0-9]{4})\.json", parts.path)
        if not m:
            return self._send(404, _error("not_found", f"No route for {parts.path}"))
        kind = "views" if m.group(1) == "api/views" else "resource"
        dataset_id = m.group(2)
        fault = emu._take_fault(kind, dataset_id)
        if fault and fault.kind == "status":
            headers = {}
            if fault.options.get("retry_after") is not None:
                headers["Retry-After"] = str(fault.options["retry_after"])
            return self._send(fault.options.get("status", 500), _error("fault", "injected fault"), headers)
        if fault and fault.kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if fault and fault.kind == "slow":
            emu._stopping.wait(float(fault.options.get("seconds", 5)))
            if emu._stopping.is_set():
                self.close_connection = True
                return None
        if kind == "views":
            with emu._lock:
                dataset = emu.datasets.get(dataset_id)
                meta = json.loads(json.dumps(dataset["metadata"])) if dataset else None
            if meta is None:
                return self._send(404, _error("not_found", f"Dataset {dataset_id} not found"))
            return self._send(200, meta)
        status, body = emu._query(dataset_id, params)
        if status == 200 and fault and fault.kind == "short_page":
            body = body[: int(fault.options.get("rows", max(1, len(body) // 2)))]
        if status == 200 and fault and fault.kind == "duplicate_row" and body:
            _, earlier = emu._query(dataset_id, {**params, "$offset": "0", "$limit": "1"})
            body = [*body[:-1], *earlier]
        payload = json.dumps(body).encode()
        if fault and fault.kind == "truncate":
            payload = payload[: max(1, len(payload) // 2)]
        if fault and fault.kind == "invalid_json":
            payload = b"<html><body>Service temporarily unavailable</body></html>"
        if fault and fault.kind == "drop_mid_body":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: max(1, len(payload) // 2)])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        self._send_bytes(status, payload)
        if fault and fault.kind == "bump_rows_updated_at":
            with emu._lock:
                meta = emu.datasets[dataset_id]["metadata"]
                meta["rowsUpdatedAt"] = int(meta.get("rowsUpdatedAt", 0)) + int(fault.options.get("by", 60))
        return None

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
