"""What `ctdss check` prints: one table of the registered datasets, the details behind each row that needs
attention, and what `--apply` wrote or left; or the same as JSON (`--json`) for scripts."""

from __future__ import annotations

import json

from ctdss.config import PROJECT_ROOT
from ctdss.load.contract import Stamp
from ctdss.onboard.aliases import csv_rows
from ctdss.onboard.check import Check, DatasetCheck, FieldState, NameFinding, Reach
from ctdss.onboard.check_apply import Applied
from ctdss.onboard.output import relative, wrapped

HEADER = ("dataset", "kind", "served", "fields", "kind fits", "unmapped names", "rows updated", "rows", "loads")
SERVED = {Reach.SERVED: "yes", Reach.PRIVATE: "403 private", Reach.MISSING: "404 missing", Reach.FAILED: "failed"}


def check_text(found: Check, applied: Applied | None = None) -> str:
    rows = [HEADER, *(_row(c, applied is not None) for c in found.datasets)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = [f"{len(found.datasets)} registered dataset(s) checked against {found.portal} "
             f"(registry: {relative(found.registry)}):", ""]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    for check in found.datasets:
        details = _details(check)
        if details:
            lines += ["", f"{check.dataset.id}  {check.title or check.dataset.title}", *details]
    lines += ["", *wrapped(_summary(found, applied), "")]
    if applied is not None:
        lines += _applied_lines(applied)
    return "\n".join(lines)


def _row(check: DatasetCheck, applied: bool) -> tuple[str, ...]:
    ds, served = check.dataset, check.reach is Reach.SERVED
    if not check.fields and not served:
        return (ds.id, ds.kind, SERVED[check.reach], "-", "-", "-", "-", "-", "no")
    counts = {s: sum(f.state is s for f in check.fields) for s in FieldState if s is not FieldState.SERVED}
    fields = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "all served"
    unmapped = sum(len(n.missing) for n in check.names)
    stamp = check.vintage.at.strftime("%Y-%m-%d %H:%M") if check.vintage else "unknown"
    if check.vintage and check.vintage.stamp is Stamp.VIEW_LAST_MODIFIED:
        stamp += " (viewLastModified)"
    fixed = "yes, renamed" if applied else "after --apply"
    loads = "yes" if check.loads else fixed if check.loads_after_apply else "no"
    return (ds.id, ds.kind, SERVED[check.reach], fields, "no" if check.kind_problems else "yes",
            str(unmapped) if served else "-", stamp, f"{check.row_count:,}" if check.row_count is not None else "-",
            loads)


def _details(check: DatasetCheck) -> list[str]:
    lines = wrapped(check.problem) if check.problem else []
    for finding in check.fields:
        lines += wrapped(finding.sentence()) if finding.state is not FieldState.SERVED else []
    lines += wrapped("kind: " + "; ".join(check.kind_problems) + ".") if check.kind_problems else []
    for names in check.names:
        lines += _name_lines(names)
    if check.load_failure and check.reach is Reach.SERVED and all(f.state is FieldState.SERVED for f in check.fields):
        lines += wrapped(f"load: {check.load_failure}")  # a refusal the field lines above do not already explain
    return lines


def _name_lines(names: NameFinding) -> list[str]:
    if names.error:
        return wrapped(f"{names.role} ({names.field}): distinct values not read: {names.error}")
    limit = f" (the first {len(names.values)}; there may be more)" if names.capped else ""
    if names.seed is None:
        return wrapped(f"{names.role} ({names.field}): {len(names.values)} distinct value(s){limit}, not checked: the "
                     "kind's staging model names no alias seed for the role.")
    seed = relative(names.seed.path)
    if not names.missing:
        return []
    lines = wrapped(f"{names.role} ({names.field}): {len(names.missing)} of {len(names.values)} distinct value(s) "
                  f"not mapped by {seed}{limit}; rows to add ({names.seed.key_column},{names.seed.target_column}):")
    for row, alias in zip(csv_rows(names.seed, list(names.missing)), names.missing, strict=True):
        published = ", ".join(repr(p) for p in alias.published)
        how = f"guessed {alias.guess} from a close spelling" if alias.guess else "no close spelling: fill it in"
        lines.append(f"      {row}    # {published} in {alias.rows:,} row(s); {how}")
    return lines


def _summary(found: Check, applied: Applied | None) -> str:
    failing = found.failing
    if not failing:
        return f"All {len(found.datasets)} dataset(s) would load as they stand."
    fixable = [c.dataset.id for c in failing if c.loads_after_apply]
    text = (f"{len(failing)} of {len(found.datasets)} dataset(s) would fail to load as the registry stood: "
            f"{', '.join(c.dataset.id for c in failing)}.")
    if fixable:
        verb = "wrote" if applied is not None else "writes"
        text += f" `ctdss check --apply` {verb} the renames that let {', '.join(fixable)} load."
    return text


def _applied_lines(applied: Applied) -> list[str]:
    lines = [""]
    if applied.edits:
        lines += [f"--apply changed {len(applied.edits)} file(s):", ""]
        lines += [edit.diff(PROJECT_ROOT).rstrip("\n") for edit in applied.edits]
    else:
        lines.append("--apply changed no file.")
    if applied.left:
        lines += ["", "Not written, for you to decide:"]
        lines += [line for item in dict.fromkeys(applied.left) for line in wrapped(f"- {item}")]
    return lines


def check_json(found: Check, applied: Applied | None = None) -> str:
    doc: dict[str, object] = {
        "portal": found.portal, "registry": relative(found.registry),
        "datasets": [_dataset_json(c) for c in found.datasets],
    }
    if applied is not None:
        doc["applied"] = {"diffs": {relative(e.path): e.diff(PROJECT_ROOT) for e in applied.edits},
                          "not_written": list(dict.fromkeys(applied.left))}
    return json.dumps(doc, indent=2)


def _dataset_json(check: DatasetCheck) -> dict:
    return {
        "id": check.dataset.id, "kind": check.dataset.kind, "title": check.title or check.dataset.title,
        "served": str(check.reach), "problem": check.problem or None,
        "fields": [{"role": f.role, "field": f.field, "state": str(f.state), "candidates": list(f.candidates),
                    "proposal": f.proposal} for f in check.fields],
        "kind_problems": check.kind_problems,
        "names": [{"role": n.role, "field": n.field, "distinct_values": len(n.values), "capped": n.capped,
                   "error": n.error or None, "seed": relative(n.seed.path) if n.seed else None,
                   "missing": [{"alias_key": m.alias_key, "published": list(m.published), "rows": m.rows,
                                "guess": m.guess} for m in n.missing]} for n in check.names],
        "vintage": {"stamp": str(check.vintage.stamp), "at": check.vintage.at.isoformat() + "Z"}
        if check.vintage else None,
        "row_count": check.row_count,
        "loads": check.loads, "loads_after_apply": check.loads_after_apply, "load_failure": check.load_failure,
    }
