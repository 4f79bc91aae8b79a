"""One digest of the project's code as dbt parsed it, to know without compiling that two builds ran the same code.

It covers every model, seed, snapshot, source and macro of a manifest.json (the checksum of each file, its
config, its dependencies and its documented columns; every package's macros), the vars of dbt_project.yml
(which the models compile into their SQL), and the dbt version and adapter. It leaves out the tests, which no
model's SQL depends on (and to whose dependencies a run adds the macros it called), and what a run adds to a
node: the SQL it compiled (an incremental model compiles to other SQL when it runs incrementally) and the
times of the parse.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ctdss import config

# What a run, not the code, puts in a node of the manifest.
RUN_FIELDS = frozenset({"compiled", "compiled_code", "compiled_path", "build_path", "created_at",
                        "extra_ctes", "extra_ctes_injected"})
SECTIONS = ("nodes", "sources", "macros")
BUILT = frozenset({"model", "seed", "snapshot"})


def project_digest(manifest: dict, extra: tuple[bytes, ...] = ()) -> str:
    """The digest of the code behind `manifest`, and of `extra` (the bytes of other inputs a caller depends on)."""
    digest = hashlib.sha256()
    meta = manifest.get("metadata") or {}
    _feed(digest, [meta.get("dbt_version"), meta.get("adapter_type"), meta.get("project_name")])
    for section in SECTIONS:
        for uid, node in sorted((manifest.get(section) or {}).items()):
            if section == "nodes" and node.get("resource_type") not in BUILT:
                continue
            _feed(digest, [section, uid, {k: v for k, v in node.items() if k not in RUN_FIELDS}])
    digest.update((_project_root(manifest) / "dbt_project.yml").read_bytes())
    for part in extra:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _project_root(manifest: dict) -> Path:
    """The folder of the project the manifest was parsed from (a copy of the project has its own)."""
    name = (manifest.get("metadata") or {}).get("project_name")
    roots = {node.get("root_path") for node in (manifest.get("nodes") or {}).values()
             if node.get("package_name") == name and node.get("root_path")}
    return Path(roots.pop()) if len(roots) == 1 else config.PROJECT_ROOT


def _feed(digest: hashlib._Hash, value: object) -> None:
    digest.update(json.dumps(value, sort_keys=True, default=str).encode("utf-8"))
    digest.update(b"\0")
