"""Building the warehouse with dbt: in full, or only what changed since the last successful build.

The state of the last successful build is kept in the state folder (`CTDSS_STATE_DIR`, default
warehouse/state): dbt's `manifest.json` (the code that was built), the `sources.json` of the `dbt source
freshness` run just before it (when each raw table was last landed), `relations.json` (the dbt invocation
that last wrote each relation, which `ctdss publish --changed` compares with the published file) and
`vars.json` (the vars of dbt_project.yml it compiled with).

With a usable state, a build runs `dbt source freshness` and then `dbt build --select source_status:fresher+
state:modified+ --state <state>`: the nodes downstream of a raw table landed since, and the nodes whose code,
config or seed data changed, with their descendants. An incremental model whose upstream code changed is
rebuilt from scratch (`--full-refresh`; snapshots never are), since its kept rows were computed by the old
code. Without a usable state (none yet, unreadable, or not this warehouse's), or when a var changed (dbt's
state comparison does not see a var's value, which the models compile into their SQL), everything is built,
incremental models from scratch, and one line says why. The state is replaced only after a build succeeds, so a
failed build is retried against the last good one.

A successful build also records the loads whose rows it tested (raw._tested_loads): the staging tests that
read every row of a table then read only the rows landed since (see macros/tests/landed_since_last_build.sql).
Before a build that runs changed code, or builds everything, the record is emptied, so every row is tested again.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import duckdb
import yaml

from ctdss import config
from ctdss.build.code_digest import project_digest
from ctdss.errors import UserError

STATE_FILES = ("manifest.json", "sources.json")
RELATIONS_FILE = "relations.json"
VARS_FILE = "vars.json"
BUILT_TYPES = ("model", "seed", "snapshot")
CHANGED = "source_status:fresher+ state:modified+"
MODIFIED = "state:modified+"
COMPILED_FOR_LINEAGE = "resource_type:model resource_type:snapshot"


class BuildMode(StrEnum):
    FULL = "full"
    CHANGED = "changed"


@dataclass(frozen=True)
class Plan:
    mode: BuildMode
    reason: str


@dataclass(frozen=True)
class BuildResult:
    mode: BuildMode
    nodes_built: int
    relations: dict[str, str]

    def __str__(self) -> str:
        what = "everything" if self.mode is BuildMode.FULL else "only what changed"
        return f"Built {what}: {self.nodes_built} node(s) run."


def _read_json(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        value = json.load(f)
    if not isinstance(value, dict) or "metadata" not in value:
        raise ValueError("not a dbt artifact")
    return value


def _built_relations(manifest: dict) -> list[tuple[str, str]]:
    """(schema, name) of every relation the manifest's models, seeds and snapshots build."""
    return [
        (node["schema"], node.get("alias") or node["name"])
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") in BUILT_TYPES and (node.get("config") or {}).get("enabled", True)
        and (node.get("config") or {}).get("materialized") != "ephemeral"
    ]


def _missing_relations(db: Path, wanted: list[tuple[str, str]]) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        present = set(con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = current_database()"
        ).fetchall())
    finally:
        con.close()
    return sorted(f"{s}.{n}" for s, n in wanted if (s, n) not in present)


def plan(state: Path, db: Path, *, full: bool = False) -> Plan:
    """Whether the last build's state can select what to build, and if not, why."""
    if full:
        return Plan(BuildMode.FULL, "a full build was asked for")
    if not all((state / name).exists() for name in STATE_FILES):
        return Plan(BuildMode.FULL, f"no state of a previous build in {state}")
    try:
        manifest = _read_json(state / "manifest.json")
        _read_json(state / "sources.json")
    except (OSError, ValueError) as exc:
        return Plan(BuildMode.FULL, f"the state in {state} is unreadable ({exc})")
    if not db.exists():
        return Plan(BuildMode.FULL, f"the warehouse {db} does not exist yet")
    try:
        missing = _missing_relations(db, _built_relations(manifest))
    except duckdb.Error as exc:
        return Plan(BuildMode.FULL, f"the warehouse {db} could not be read ({str(exc).splitlines()[0]})")
    if missing:
        return Plan(BuildMode.FULL, f"the state in {state} is not this warehouse's ({missing[0]} is missing)")
    changed_vars = _vars_change(state)
    if changed_vars:
        return Plan(BuildMode.FULL, changed_vars)
    return Plan(BuildMode.CHANGED, "a previous build's state")


def project_vars() -> dict:
    """The vars of dbt_project.yml, as JSON values: the models compile them into their SQL."""
    doc = yaml.safe_load((config.PROJECT_ROOT / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    return json.loads(json.dumps(doc.get("vars") or {}))


def _vars_change(state: Path) -> str | None:
    """Why the project's vars rule out building only what changed, or None. dbt's state comparison does not see
    a var whose value changed, though the models compile the value (a threshold, a bound) into their SQL."""
    try:
        before = json.loads((state / VARS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"the state in {state} does not record the vars of the build it comes from"
    now = project_vars()
    changed = sorted(name for name in before.keys() | now.keys() if before.get(name) != now.get(name))
    return f"the vars {', '.join(changed)} in dbt_project.yml changed since the last build" if changed else None


# -- running dbt -------------------------------------------------------------------------------------------


def _dbt(target: Path) -> Callable[[list[str]], object]:
    """dbt in this process, parsed once: one start-up and one parse for the freshness check, the selection and
    the build (the parse also writes the manifest.json the state keeps)."""
    from dbt.cli.main import dbtRunner

    project = ["--project-dir", str(config.PROJECT_ROOT), "--profiles-dir", str(config.dbt_profiles_dir())]
    parsed = dbtRunner().invoke(["parse", *project])
    if not parsed.success:
        raise _failed("`dbt parse`", parsed, target)
    runner = dbtRunner(manifest=parsed.result)

    def invoke(args: list[str]) -> object:
        return runner.invoke([*args, *project])

    return invoke


def _failed(what: str, result, target: Path) -> UserError:
    detail = f": {result.exception}" if getattr(result, "exception", None) else ""
    return UserError(
        f"{what} failed{detail}. dbt's output above names the node and the reason (its log is under "
        f"{config.dbt_log_dir()}); the state of the last successful build is kept, so once the cause is fixed "
        f"the next build picks up everything this one did not. Compiled SQL is under {target}."
    )


def _freshness(invoke, target: Path) -> None:
    """`dbt source freshness`, for its sources.json. A stale source is dbt's warning or error to print; the
    build goes on either way (the file is all it needs), but a run that writes no file stops it."""
    (target / "sources.json").unlink(missing_ok=True)
    result = invoke(["source", "freshness"])
    if not (target / "sources.json").exists():
        raise _failed("`dbt source freshness`", result, target)


def _operation(invoke, macro: str, target: Path) -> None:
    """Run one of the project's macros (see macros/tests/tested_loads.sql). Its run_results.json goes to a folder
    of its own: the build's, in the target, is what `ctdss lineage` and the benchmark read."""
    result = invoke(["run-operation", macro, "--quiet", "--target-path", str(target / "operations")])
    if not getattr(result, "success", False):
        raise _failed(f"`dbt run-operation {macro}`", result, target)


def _modified_nodes(invoke, state: Path) -> list[dict]:
    """The nodes whose code, config or seed data changed since the last build, with their descendants."""
    result = invoke(["ls", "--select", MODIFIED, "--state", str(state), "--log-level", "none",
                     "--output", "json", "--output-keys", "resource_type", "--output-keys", "config"])
    return [json.loads(line) for line in getattr(result, "result", None) or []]


def _is_incremental_model(node: dict) -> bool:
    return node.get("resource_type") == "model" and (node.get("config") or {}).get("materialized") == "incremental"


def _run_build(invoke, mode: BuildMode, state: Path, target: Path) -> object:
    # Unit tests check the models' code, not the data landed: `make test` runs them on every change (dbt's own
    # advice is to keep them out of production builds), and leaving them out takes a tenth off a full build.
    args = ["build", "--exclude-resource-type", "unit_test"]
    modified = _modified_nodes(invoke, state) if mode is BuildMode.CHANGED else []
    if mode is BuildMode.FULL or modified:
        _operation(invoke, "forget_tested_loads", target)  # rows tested by older code are tested again
    if mode is BuildMode.CHANGED:
        args += ["--select", CHANGED, "--state", str(state)]
        if any(_is_incremental_model(node) for node in modified):
            print("ctdss build: code upstream of an incremental model changed; rebuilding it from scratch.")
            args.append("--full-refresh")
    if mode is BuildMode.FULL:
        # Everything means the incremental models too: rows kept from an older build may break a contract the
        # code has since changed (a column made nullable), and were computed by code that may differ.
        args.append("--full-refresh")
    result = invoke(args)
    if not getattr(result, "success", False):
        raise _failed("`dbt " + " ".join(args) + "`", result, target)
    return result


def _complete_the_manifest(invoke, target: Path, state: Path) -> None:
    """Give target/manifest.json (which `ctdss lineage` traces) the SQL of every model and snapshot, not only of
    the nodes a selective build ran. When the code is the last build's (see code_digest), the SQL of the others
    is what the last build's manifest holds, so it is taken from there; compiling them again took a refresh
    two seconds for the same SQL. Else they are compiled."""
    manifest, previous = _read_json(target / "manifest.json"), _read_json(state / "manifest.json")
    if project_digest(manifest) == project_digest(previous) and _take_sql(manifest, previous):
        (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    else:
        _compile_models(invoke, target)


def _take_sql(manifest: dict, previous: dict) -> bool:
    """Fill in from `previous` the compiled SQL of the models and snapshots that `manifest` lacks; False, with
    nothing filled in, when `previous` lacks any of them too."""
    missing = [uid for uid, node in manifest["nodes"].items()
               if node.get("resource_type") in ("model", "snapshot") and not node.get("compiled_code")]
    found = {uid: (previous["nodes"].get(uid) or {}).get("compiled_code") for uid in missing}
    if not all(found.values()):
        return False
    for uid, sql in found.items():
        manifest["nodes"][uid].update(compiled_code=sql, compiled=True)
    return True


def _compile_models(invoke, target: Path) -> None:
    """Compile the models and snapshots a selective build left alone, so that target/manifest.json (which
    `ctdss lineage` traces) holds the SQL of every one of them, not only of the nodes that ran. The nodes that
    ran keep the SQL the build compiled (the runner shares one manifest), so they are not compiled again. The
    tests are left out: nothing reads their compiled SQL but a build that ran them, and they are most of the
    project's nodes. Nothing is built."""
    built = (target / "run_results.json").read_bytes()
    ran = _ran(json.loads(built))
    result = invoke(["compile", "--quiet", "--select", COMPILED_FOR_LINEAGE, *(["--exclude", *ran] if ran else [])])
    (target / "run_results.json").write_bytes(built)  # what the build ran, for the state and for readers
    if not getattr(result, "success", False):
        raise _failed("`dbt compile`", result, target)


def _ran(run_results: dict) -> list[str]:
    """The models and snapshots a build ran (their SQL is compiled), by name, which dbt keeps unique in a
    project."""
    return sorted({result["unique_id"].split(".")[-1] for result in run_results.get("results", [])
                   if result.get("unique_id", "").split(".")[0] in ("model", "snapshot")
                   and result.get("status") == "success"})


# -- the state ---------------------------------------------------------------------------------------------


def _relations(previous: dict[str, str], run_results: dict, manifest: dict) -> dict[str, str]:
    """schema.name -> the dbt invocation that last wrote it, carried over for what this build left alone."""
    invocation = run_results["metadata"]["invocation_id"]
    nodes = manifest.get("nodes", {})
    known = {f"{s}.{n}" for s, n in _built_relations(manifest)}
    out = {name: stamp for name, stamp in previous.items() if name in known}
    for result in run_results.get("results", []):
        node = nodes.get(result.get("unique_id")) or {}
        if node.get("resource_type") in BUILT_TYPES and result.get("status") == "success":
            out[f"{node['schema']}.{node.get('alias') or node['name']}"] = invocation
    return dict(sorted(out.items()))


def read_relations(state: Path) -> dict[str, str]:
    try:
        value = json.loads((state / RELATIONS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _save_state(state: Path, target: Path, mode: BuildMode) -> dict[str, str]:
    """Replace the state folder with this build's artifacts, as a whole (a new folder renamed into place). Files
    others keep there (the publication record) are carried over."""
    manifest = _read_json(target / "manifest.json")
    run_results = _read_json(target / "run_results.json")
    previous = read_relations(state) if mode is BuildMode.CHANGED else {}
    relations = _relations(previous, run_results, manifest)
    state.parent.mkdir(parents=True, exist_ok=True)
    fresh = state.with_name(f".{state.name}.tmp-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    for name in STATE_FILES:
        shutil.copy2(target / name, fresh / name)
    (fresh / RELATIONS_FILE).write_text(json.dumps(relations, indent=1) + "\n", encoding="utf-8")
    (fresh / VARS_FILE).write_text(json.dumps(project_vars(), indent=1) + "\n", encoding="utf-8")
    for other in state.glob("*") if state.is_dir() else []:
        if other.is_file() and not (fresh / other.name).exists():
            shutil.copy2(other, fresh / other.name)
    old = state.with_name(f".{state.name}.old-{os.getpid()}")
    if state.exists():
        os.replace(state, old)
    os.replace(fresh, state)
    shutil.rmtree(old, ignore_errors=True)
    return relations


def build(db: Path, state: Path, *, full: bool = False) -> BuildResult:
    """Build the warehouse: only what changed when the last build's state allows it, else everything."""
    chosen = plan(state, db, full=full)
    if chosen.mode is BuildMode.FULL and not full:
        print(f"ctdss build: building everything: {chosen.reason}.", flush=True)
    target = config.dbt_target_path()
    invoke = _dbt(target)
    _freshness(invoke, target)
    result = _run_build(invoke, chosen.mode, state, target)
    if chosen.mode is BuildMode.CHANGED:
        _complete_the_manifest(invoke, target, state)
    relations = _save_state(state, target, chosen.mode)
    _operation(invoke, "record_tested_loads", target)
    return BuildResult(chosen.mode, len(getattr(result.result, "results", []) or []), relations)
