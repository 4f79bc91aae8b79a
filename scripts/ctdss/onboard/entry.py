"""A registry entry as YAML text in the registry's own layout (models/staging/socrata/_socrata__sources.yml), at the
indentation it is pasted at: a dataset under an existing kind's `datasets:`, or a whole table for a new kind."""

from __future__ import annotations

import yaml

from ctdss.load.contract import PROVENANCE
from ctdss.onboard.roles import KindChoice, Placement
from ctdss.registry import ROLES

DATASET_INDENT = " " * 14  # `- id:` under tables[].config.meta.datasets
TABLE_INDENT = " " * 6  # `- name:` under sources[].tables
KNOWN_DOCS = frozenset({"town", "program", "medical_benefit_plan", "year", "month", "count"})


def _scalar(value: str) -> str:
    """A YAML scalar, quoted only where YAML needs it ('2021' stays a string)."""
    return yaml.safe_dump(value, default_flow_style=True, width=1_000).removesuffix("\n...\n").strip()


def dataset_entry(dataset_id: str, title: str, placement: Placement) -> list[str]:
    """The lines of one dataset entry, unindented."""
    roles = [r for r in ROLES if r in placement.roles]
    lines = [f"- id: {dataset_id}", f"  title: {_scalar(title)}", f"  grain: one row per {_grain(roles)}"]
    if placement.placed:
        lines.append("  fields:")
        lines += [f"    {r}: {placement.placed[r].field}" for r in ROLES if r in placement.placed]
    if placement.constants:
        lines.append("  constants:")
        lines += [f"    {r}: {_scalar(v)}" for r, v in placement.constants.items()]
    # DSS revises a month for three months after release, so a monthly dataset re-pulls only that window.
    refresh = "{mode: window, window_months: 3}" if "month" in placement.placed else "{mode: full}"
    lines.append(f"  refresh: {refresh}")
    return lines


def _grain(roles: list[str]) -> str:
    words = {"medical_benefit_plan": "medical benefit plan", "year": "calendar year"}
    named = [words.get(r, r) for r in roles if r != "count"]
    return ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else "".join(named)


def kind_table(kind: KindChoice, dataset_lines: list[str]) -> list[str]:
    """The lines of a new kind's table (unindented), with the dataset entry under it."""
    lines = [
        f"- name: {kind.name}",
        "  description: >",
        f"    One row per {_grain(list(kind.required_roles))},",
        "    as served by <the datasets of this kind>, with the registry's fields renamed to their roles.",
        "    Values are text exactly as served.",
        "  config:",
        "    meta:",
        f"      grain: {' x '.join(_grain([r]) for r in kind.required_roles if r != 'count')}",
        f"      required_roles: [{', '.join(kind.required_roles)}]",
        *_kind_properties(kind),
        "      datasets:",
        *[f"        {line}" for line in dataset_lines],
        "  columns:",
    ]
    for role in kind.required_roles:
        doc = f"'{{{{ doc(\"raw_{role}\") }}}}'" if role in KNOWN_DOCS else f"<describe the {role} as served>"
        lines += [f"    - name: {role}", f"      description: {doc}"]
    for column, _ in PROVENANCE:
        lines += [f"    - name: {column}", f"      description: '{{{{ doc(\"{column.lstrip('_')}\") }}}}'"]
    return lines


def _kind_properties(kind: KindChoice) -> list[str]:
    """The properties the models decide behaviour by (see ctdss.registry): read from the roles the kind needs.
    The series defaults to the kind's own name; naming an existing kind's series makes the new kind feed that
    fact instead."""
    roles = kind.required_roles
    return [
        f"      geography: {'town' if 'town' in roles else 'statewide'}",
        f"      period: {'month' if 'month' in roles else 'year'}",
        f"      series: {kind.name}  # the fact series it feeds",
    ]


def render(dataset_id: str, title: str, placement: Placement, kind: KindChoice) -> str:
    """The YAML to paste, at the registry's indentation."""
    entry = dataset_entry(dataset_id, title, placement)
    if kind.existing:
        return "\n".join(DATASET_INDENT + line for line in entry)
    return "\n".join(TABLE_INDENT + line for line in kind_table(kind, entry))
