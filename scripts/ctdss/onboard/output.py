"""What `ctdss discover` and `ctdss inspect` print: text for a terminal, or JSON (`--json`) for scripts."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from ctdss.config import PROJECT_ROOT, REGISTRY_PATH
from ctdss.onboard.aliases import AliasSeed, MissingAlias, csv_rows, header
from ctdss.onboard.onboarding import DISTINCT_LIMIT, Discovery, Inspection

WIDTH = 100


def relative(path: Path) -> str:
    """`path` as the user would type it from the project's folder, or whole when it lies outside."""
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def wrapped(text: str, indent: str = "  ") -> list[str]:
    """`text` as indented lines of the onboarding commands' width (`check` prints its findings the same way)."""
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False, break_long_words=False)  # 4x4 ids and field names stay whole


def discovery_text(found: Discovery) -> str:
    what = " and ".join(p for p in (f'tagged "{found.tag}"' if found.tag else "",
                                     f'matching "{found.query}"' if found.query else "") if p)
    lines = [f"{len(found.listed)} dataset(s) on {found.portal} {what or 'in the catalogue'}"
             + (f" (the catalogue counts {found.total})" if found.total != len(found.listed) else "") + ":"]
    if not found.listed and found.tag:
        lines += ["", *wrapped(
            f'No dataset carries the tag "{found.tag}". The catalogue matches a tag whole, and a portal may tag these '
            'datasets with several shorter tags instead: try --tag "enrollment counts", --tag "", or a search such '
            'as --query "DSS enrollment".', "")]
    for ds in found.listed:
        status = f"registered as {ds.registered_kind}" if ds.registered_kind else "not registered"
        lines += ["", f"{ds.id}  {ds.title}", f"  updated {_when(ds.updated_at)} · {status}"]
        lines += wrapped("fields: " + (", ".join(ds.fields) or "(none listed)"))
    if found.registered_unlisted:
        shown = ", ".join(f"{i} ({k})" for i, k in found.registered_unlisted)
        lines += ["", *wrapped(f"Registered but not in this listing: {shown}.", "")]
    lines += ["", "Next: `ctdss inspect ID` proposes the registry entry and alias rows for a dataset."]
    return "\n".join(lines)


def _when(iso: str | None) -> str:
    """An ISO 8601 UTC timestamp from the catalogue ("2024-03-13T14:05:22.000Z") as "2024-03-13 14:05 UTC"."""
    if not iso:
        return "unknown"
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def inspection_text(found: Inspection) -> str:
    lines = [f"{found.id}  {found.title}"]
    if found.registered_kind:
        lines.append(f"  already registered as {found.registered_kind}")
    lines += ["", "Columns:", *_column_lines(found), "", *_kind_lines(found), "", *_alias_lines(found)]
    return "\n".join(lines)


def _column_lines(found: Inspection) -> list[str]:
    role_of = {c.field: r for r, c in found.placement.placed.items()}
    why = {c.field: reason for c, reason in found.placement.unplaced}
    width = max([len(c.field) for c in found.columns] + [8])
    lines = []
    for column in found.columns:
        where = f"-> {role_of[column.field]}" if column.field in role_of else f"UNPLACED: {why.get(column.field)}"
        lines.append(f"  {column.field:<{width}}  {column.data_type:<14} {where}")
    lines += [f"  (constant)  {role}: {value} (from the title)" for role, value in found.placement.constants.items()]
    if found.placement.unplaced:
        lines += wrapped("Unplaced columns land as served fields under their own names; map one by editing `fields` "
                       "in the entry below.", "  ")
    return lines


def _kind_lines(found: Inspection) -> list[str]:
    kind, registry = found.kind, relative(REGISTRY_PATH)
    if kind.existing:
        head = (f"Kind: fits {kind.name} (required roles: {', '.join(kind.required_roles)}). Paste this entry "
                f"under `datasets:` of table `{kind.name}` in {registry}:")
    else:
        head = (f"Kind: no registered kind fits the roles placed; it needs a new kind, proposed as {kind.name} "
                f"(required roles: {', '.join(kind.required_roles)}). Paste this table under `tables:` in {registry}:")
    notes = wrapped(f"Note: {kind.note}.", "") if kind.note else []
    return [*wrapped(head, ""), *notes, "", found.entry]


def _alias_lines(found: Inspection) -> list[str]:
    lines = ["Alias rows:"]
    for role, values in found.distinct.items():
        seed = found.seeds[role]
        limit = f" (the first {DISTINCT_LIMIT}; there may be more)" if len(values) >= DISTINCT_LIMIT else ""
        missing = found.missing.get(role, [])
        where = relative(seed.path)
        empty = sum(rows for value, rows in values if value is None or not value.strip())
        if empty:
            lines += wrapped(f"{role}: {empty} row(s) have no {role}; staging keeps them unmapped (quarantined).")
        if not seed.exists:
            lines += wrapped(f"{role}: {len(values)} distinct value(s){limit}, and no seed maps this role yet. Create "
                           f"{where} with these rows, fill in each empty {seed.target_column}, document the seed in "
                           f"seeds/_seeds.yml and look the role up in it in staging:")
            lines += [f"      {header(seed)}", *_rows(seed, missing)]
            continue
        if not missing:
            lines.append(f"  {role}: all {len(values)} distinct value(s) are mapped by {where}{limit}.")
            continue
        lines += wrapped(f"{role}: {len(missing)} spelling(s) not mapped yet{limit}. Append to {where} "
                       f"({seed.key_column},{seed.target_column}); fill in each empty {seed.target_column}:")
        lines += _rows(seed, missing)
    if len(lines) == 1:
        lines.append("  (no name-like column placed)")
    return lines


def _rows(seed: AliasSeed, missing: list[MissingAlias]) -> list[str]:
    """The seed rows to write, then what each stands for, as comments."""
    return [*[f"      {row}" for row in csv_rows(seed, missing)],
            *[f"      # {m.alias_key!r}: published as {', '.join(repr(p) for p in m.published)} in {m.rows} row(s)"
              + (f"; guessed {m.guess!r} from a close spelling: check it" if m.guess else "") for m in missing]]


def discovery_json(found: Discovery) -> str:
    return json.dumps({
        "portal": found.portal, "tag": found.tag, "query": found.query, "result_set_size": found.total,
        "datasets": [{"id": d.id, "title": d.title, "updated_at": d.updated_at, "fields": list(d.fields),
                      "registered_kind": d.registered_kind} for d in found.listed],
        "registered_not_listed": [{"id": i, "kind": k} for i, k in found.registered_unlisted],
    }, indent=2)


def inspection_json(found: Inspection) -> str:
    role_of = {c.field: r for r, c in found.placement.placed.items()}
    why = {c.field: reason for c, reason in found.placement.unplaced}
    return json.dumps({
        "id": found.id, "title": found.title, "registered_kind": found.registered_kind,
        "columns": [{"field": c.field, "name": c.name, "data_type": c.data_type, "role": role_of.get(c.field),
                     "unplaced_reason": why.get(c.field)} for c in found.columns],
        "constants": found.placement.constants,
        "kind": {"name": found.kind.name, "existing": found.kind.existing,
                 "required_roles": list(found.kind.required_roles), "note": found.kind.note},
        "registry_entry": found.entry,
        "distinct_values": {r: [{"value": v, "rows": n} for v, n in vals] for r, vals in found.distinct.items()},
        "missing_aliases": {
            r: {"seed": relative(found.seeds[r].path), "new_seed": not found.seeds[r].exists,
                "header": header(found.seeds[r]), "rows": [
                {"alias_key": m.alias_key, "published": list(m.published), "rows": m.rows, "guess": m.guess}
                for m in missing]}
            for r, missing in found.missing.items()},
    }, indent=2)
