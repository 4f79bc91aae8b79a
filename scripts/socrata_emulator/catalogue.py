"""The emulator's Discovery API (`GET /api/catalog/v1`), built from the metadata of the datasets it serves.

Answers have the real shape: `{"results": [{"resource": {...}, "classification": {...}, "metadata": {...},
"permalink": ..., "link": ...}], "resultSetSize": N, "timings": {...}}`, where `resource` carries `id`, `name`,
`updatedAt`, `data_updated_at`, `columns_field_name`, `columns_name`, `columns_datatype`, ... (timestamps as ISO
8601 strings, data types as display names such as "Text"). Filters: `domains`, `search_context`, `tags` (the
dataset's own tags, case-insensitive, any of them), `q` (words of the name, description, tags and columns, with
Elasticsearch's default `min_should_match` of 3<60%), `only`, `ids`; paging with `limit` (default 100) and
`offset`, refused past 10,000 results as the real API refuses deep paging; `order` by name, dataset_id or
updatedAt, else relevance (here: id order). Any other parameter answers 400, so a client sending one the emulator
does not model fails loudly instead of being silently unfiltered.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

DEFAULT_LIMIT = 100
MAX_WINDOW = 10_000
PARAMS = frozenset({"domains", "search_context", "tags", "q", "only", "ids", "limit", "offset", "order"})
DATA_TYPES = {"text": "Text", "number": "Number", "calendar_date": "Calendar date", "checkbox": "Checkbox",
              "floating_timestamp": "Floating Timestamp", "url": "URL", "point": "Point"}


class CatalogueError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _iso(epoch: object) -> str | None:
    if not isinstance(epoch, int | float):
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def entry(metadata: dict, domain: str) -> dict:
    """One catalogue result for a dataset's /api/views metadata."""
    columns = sorted(metadata.get("columns") or [], key=lambda c: c.get("position") or 0)
    rows_at, view_at = metadata.get("rowsUpdatedAt"), metadata.get("viewLastModified")
    stamps = [t for t in (rows_at, view_at) if isinstance(t, int | float)]
    ds_id = metadata["id"]
    return {
        "resource": {
            "name": metadata.get("name", ""), "id": ds_id, "parent_fxf": [],
            "description": metadata.get("description", ""), "attribution": metadata.get("attribution"),
            "type": "dataset", "updatedAt": _iso(max(stamps)) if stamps else None,
            "createdAt": _iso(metadata.get("createdAt")), "metadata_updated_at": _iso(view_at),
            "data_updated_at": _iso(rows_at), "publication_date": _iso(metadata.get("publicationDate")),
            "columns_name": [c.get("name", "") for c in columns],
            "columns_field_name": [c.get("fieldName", "") for c in columns],
            "columns_datatype": [DATA_TYPES.get(c.get("dataTypeName", ""), c.get("dataTypeName", "")) for c in columns],
            "columns_description": [c.get("description", "") for c in columns],
            "columns_format": [c.get("format", {}) for c in columns],
            "download_count": 0, "provenance": metadata.get("provenance", "official"),
            "lens_view_type": "tabular", "lens_display_type": "table",
        },
        "classification": {"categories": [], "tags": [], "domain_category": metadata.get("category"),
                           "domain_tags": list(metadata.get("tags") or []), "domain_metadata": []},
        "metadata": {"domain": domain},
        "permalink": f"https://{domain}/d/{ds_id}",
        "link": f"https://{domain}/d/{ds_id}",
    }


def answer(metadatas: list[dict], pairs: list[tuple[str, str]], domain: str) -> dict:
    """The Discovery API's answer for the query parameters `pairs` (repeatable, as the real API takes them)."""
    unknown = sorted({k for k, _ in pairs} - PARAMS)
    if unknown:
        raise CatalogueError(f"Unsupported parameter(s) for this emulator: {', '.join(unknown)}")
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    limit, offset = _int(values, "limit", DEFAULT_LIMIT), _int(values, "offset", 0)
    if limit + offset > MAX_WINDOW:
        raise CatalogueError(f"limit + offset may be at most {MAX_WINDOW}; use scroll_id for deeper paging")
    entries = [entry(m, domain) for m in metadatas]
    found = [e for e in entries if _matches(e, values, domain)]
    found = _ordered(found, (values.get("order") or ["relevance"])[-1])
    return {"results": found[offset:offset + limit], "resultSetSize": len(found),
            "timings": {"serviceMillis": 1, "searchMillis": [0, 0]}}


def _int(values: dict[str, list[str]], name: str, default: int) -> int:
    text = (values.get(name) or [str(default)])[-1]
    if not re.fullmatch(r"\d+", text):
        raise CatalogueError(f"{name} must be a non-negative integer, not {text!r}")
    return int(text)


def _matches(item: dict, values: dict[str, list[str]], domain: str) -> bool:
    resource, tags = item["resource"], {t.lower() for t in item["classification"]["domain_tags"]}
    checks = [
        not values.get("domains") or domain in values["domains"],
        not values.get("search_context") or domain in values["search_context"],
        not values.get("tags") or bool(tags & {t.lower() for t in values["tags"]}),
        not values.get("only") or bool({"dataset", "datasets"} & set(values["only"])),
        not values.get("ids") or resource["id"] in values["ids"],
        not values.get("q") or _text_matches(item, values["q"][-1]),
    ]
    return all(checks)


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", text.lower()) if w}


def _text_matches(item: dict, query: str) -> bool:
    resource = item["resource"]
    text = " ".join([resource["name"], resource["description"] or "", *item["classification"]["domain_tags"],
                     *resource["columns_name"], *resource["columns_field_name"], *resource["columns_description"]])
    terms = _words(query)
    needed = len(terms) if len(terms) <= 3 else math.floor(0.6 * len(terms))
    return len(terms & _words(text)) >= needed


def _ordered(found: list[dict], order: str) -> list[dict]:
    words = order.split()
    key = {"name": "name", "dataset_id": "id", "updatedAt": "updatedAt"}.get(words[0] if words else "")
    descending = len(words) == 2 and words[1].upper() == "DESC"
    if key is None:
        return sorted(found, key=lambda e: e["resource"]["id"])
    return sorted(found, key=lambda e: (e["resource"][key] or "", e["resource"]["id"]), reverse=descending)
