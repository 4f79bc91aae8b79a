"""`ctdss check --apply`: write what the check found unambiguous, and nothing else.

It renames the registry fields a served field replaces (one candidate, placed by the rules of `ctdss inspect`) and
appends the alias rows whose target a close, mapped spelling names, in a two-column seed. The registry is edited
as text, line by line, so that its comments and layout stay as written; an edit is kept only when the edited
file parses to exactly the renames asked for. Everything else is left for the user, with the reason.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ctdss.onboard.aliases import AliasSeed, MissingAlias, csv_rows
from ctdss.onboard.check import Check, DatasetCheck, FieldState

ID_LINE = re.compile(r"^(?P<indent>\s*)- id:\s*(?P<q>['\"]?)(?P<id>[a-z0-9]{4}-[a-z0-9]{4})(?P=q)\s*(#.*)?$")


@dataclass(frozen=True)
class Edit:
    path: Path
    before: str
    after: str

    def diff(self, root: Path) -> str:
        try:
            names = [f"{side}/{self.path.relative_to(root)}" for side in "ab"]  # as `git diff` names them
        except ValueError:
            names = [str(self.path)] * 2
        return "".join(difflib.unified_diff(self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
                                            *names))


@dataclass
class Applied:
    edits: list[Edit] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    """What was not written, one sentence each, for the user to decide."""
    renamed: set[str] = field(default_factory=set)
    """The datasets whose renames were written."""

    def loads(self, check: DatasetCheck) -> bool:
        """Whether the dataset loads now that the edits are written."""
        return check.loads or (check.dataset.id in self.renamed and check.loads_after_apply)


def apply(found: Check) -> Applied:
    """Write the unambiguous renames into the registry and the nameable alias rows into their seeds."""
    applied = Applied()
    _rename_in_registry(found, applied)
    _append_aliases(found, applied)
    for edit in applied.edits:
        edit.path.write_text(edit.after, encoding="utf-8")
    return applied


# -- the registry ------------------------------------------------------------------------------------------------

def _rename_in_registry(found: Check, applied: Applied) -> None:
    before = text = found.registry.read_text(encoding="utf-8")
    for check in found.datasets:
        ds_id = check.dataset.id
        if check.problem:
            applied.left.append(f"{ds_id}: {check.problem}")
        applied.left += [f"{ds_id}: {f.sentence()}" for f in check.fields
                         if f.state in (FieldState.AMBIGUOUS, FieldState.GONE)]
        renames = check.renames()
        if not renames:
            continue
        edited = rename_fields(text, ds_id, renames)
        if edited is None or _fields_of(edited, ds_id) != {**check.dataset.fields,
                                                            **{r: new for r, (_, new) in renames.items()}}:
            applied.left.append(f"{ds_id}: its `fields` are not in the block layout the edit reads, so the "
                                f"rename(s) {_listed(renames)} were not written: edit them by hand.")
            continue
        text = edited
        applied.renamed.add(ds_id)
    if text != before:
        applied.edits.append(Edit(found.registry, before, text))


def rename_fields(text: str, dataset_id: str, renames: dict[str, tuple[str, str]]) -> str | None:
    """`text` with the dataset's `fields` lines `role: old` changed to `role: new`, every other character kept;
    None when the entry or one of the lines is not found as block-style YAML."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if (m := ID_LINE.match(line)) and m["id"] == dataset_id), None)
    if start is None:
        return None
    dash = len(ID_LINE.match(lines[start])["indent"])  # type: ignore[index]
    end = next((i for i in range(start + 1, len(lines)) if _indent(lines[i]) is not None
                and _indent(lines[i]) <= dash), len(lines))  # type: ignore[operator]
    block = next((i for i in range(start + 1, end) if re.match(r"^\s*fields:\s*(#.*)?$", lines[i])), None)
    if block is None:
        return None
    done = set()
    for i in range(block + 1, end):
        depth = _indent(lines[i])
        if depth is not None and depth <= _indent(lines[block]):  # type: ignore[operator]
            break
        for role, (old, new) in renames.items():
            pattern = rf"^(\s*{role}:\s*)(['\"]?){re.escape(old)}\2(\s*(#.*)?\r?\n?)$"
            if re.match(pattern, lines[i]):
                lines[i] = re.sub(pattern, lambda m, new=new: f"{m[1]}{m[2]}{new}{m[2]}{m[3]}", lines[i])
                done.add(role)
    return "".join(lines) if done == set(renames) else None


def _indent(line: str) -> int | None:
    """The indentation of a line that holds YAML; None for a blank or comment-only line."""
    stripped = line.lstrip(" ")
    return None if not stripped.strip() or stripped.startswith("#") else len(line) - len(stripped)


def _fields_of(text: str, dataset_id: str) -> dict[str, str] | None:
    doc = yaml.safe_load(text)
    for table in doc["sources"][0]["tables"]:
        for entry in table["config"]["meta"].get("datasets") or []:
            if entry.get("id") == dataset_id:
                return {str(k): str(v) for k, v in (entry.get("fields") or {}).items()}
    return None


def _listed(renames: dict[str, tuple[str, str]]) -> str:
    return ", ".join(f"{role}: {old} -> {new}" for role, (old, new) in renames.items())


# -- the alias seeds ---------------------------------------------------------------------------------------------

def _append_aliases(found: Check, applied: Applied) -> None:
    """Append each seed's nameable rows once, however many datasets publish the spelling."""
    rows: dict[Path, tuple[AliasSeed, dict[str, MissingAlias]]] = {}
    for check in found.datasets:
        for names in (n for n in check.names if n.seed is not None):
            for missing in names.missing:
                if missing.guess is None or names.seed.width != 2:
                    applied.left.append(_unnamed(check.dataset.id, names.seed, missing.alias_key, missing.guess))
                    continue
                rows.setdefault(names.seed.path, (names.seed, {}))[1].setdefault(missing.alias_key, missing)
    for path, (seed, chosen) in rows.items():
        before = path.read_text(encoding="utf-8")
        added = csv_rows(seed, list(chosen.values()))
        after = before + ("" if before.endswith("\n") or not before else "\n") + "".join(f"{r}\n" for r in added)
        applied.edits.append(Edit(path, before, after))


def _unnamed(dataset_id: str, seed: AliasSeed, alias_key: str, guess: str | None) -> str:
    if guess is None:
        return (f"{dataset_id}: {alias_key!r} is not in {seed.path.name} and no mapped spelling is close: add the "
                f"row with its {seed.target_column}.")
    return (f"{dataset_id}: {alias_key!r} is not in {seed.path.name}; a close spelling maps to {guess}, but the "
            f"seed's other columns ({seed.width - 2} of them) need values only you can give: add the row by hand.")
