"""The alias seeds (seeds/<role>_aliases.csv) and the published spellings they do not map yet.

A seed's first column is the normalised spelling (`alias_key`), its second the key it maps to (`town_key`,
`program_code`, ...). The staging models look spellings up after `normalize_name`, so a spelling is mapped when
its normalised form is an `alias_key`; `ctdss.names.normalize_name` applies the same rule here.

Type of assistance codes are the exception: staging looks them up in seeds/assistance_types.csv by the tidied
code in upper case (`G06-I`), and that seed carries more columns than the key and its target.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from ctdss import config
from ctdss.names import normalize_name

# Close enough to be worth proposing (e.g. a dropped letter). `ctdss check --apply` writes such a row into a
# two-column seed and prints the diff for review; `ctdss inspect` only prints it.
GUESS_CUTOFF = 0.85
# Roles whose seed is not <role>_aliases.csv: their seed, when the kind's staging model does not name one.
ROLE_SEEDS = {"assistance_type": "assistance_types.csv"}
# Seeds not keyed by the lower-case normalised name: the case of their keys.
KEY_CASE: dict[str, Callable[[str], str]] = {"assistance_types.csv": str.upper}
NAME_TEST = "names_are_mapped"


@dataclass(frozen=True)
class AliasSeed:
    role: str
    path: Path
    key_column: str
    target_column: str
    mapping: dict[str, str]
    fold: Callable[[str], str] = str  # the case the seed's keys are in, applied after normalize_name
    width: int = 2  # the seed's columns; a proposed row leaves the ones after the target empty
    exists: bool = True  # False for the seed proposed for a role no seed maps yet


@dataclass(frozen=True)
class MissingAlias:
    alias_key: str
    published: tuple[str, ...]
    rows: int
    guess: str | None
    """The target of the closest mapped spelling, for the user to confirm; None when none is close."""


def alias_seeds(roles: tuple[str, ...], seeds_dir: Path | None = None,
                named: dict[str, str] | None = None) -> dict[str, AliasSeed]:
    """role -> its alias seed (in `seeds_dir`, default the configured seeds folder), for the roles that have one:
    the seed file `named` gives the role (see `staging_seeds`), else the role's own."""
    found = {}
    for role in roles:
        name = (named or {}).get(role) or ROLE_SEEDS.get(role, f"{role}_aliases.csv")
        path = (seeds_dir or config.seeds_dir()) / name
        if path.exists():
            found[role] = _read_seed(role, path, KEY_CASE.get(name, str))
    return found


def staging_seeds(models_file: Path) -> dict[str, dict[str, str]]:
    """model -> role -> the seed file (its name) that the staging model maps the role's spellings through, as its
    `names_are_mapped` tests say (`raw_column: <role>_as_published`, `meta.seed`): a kind's staging model, not the
    role, decides it (an assistance type is a TOA code in one kind and a program's name in another)."""
    try:
        doc = yaml.safe_load(models_file.read_text(encoding="utf-8")) or {}
    except OSError:
        return {}
    return {node.get("name"): _mapped_seeds(node) for node in doc.get("models") or []}


def _mapped_seeds(node: dict) -> dict[str, str]:
    found = {}
    for column in node.get("columns") or []:
        for test in column.get("data_tests") or []:
            spec = test.get(NAME_TEST) if isinstance(test, dict) else None
            raw = str(((spec or {}).get("arguments") or {}).get("raw_column", ""))
            seed = (((spec or {}).get("config") or {}).get("meta") or {}).get("seed")
            if raw.endswith("_as_published") and seed:
                found[raw.removesuffix("_as_published")] = Path(seed).name
    return found


def proposed_seed(role: str, seeds_dir: Path | None = None) -> AliasSeed:
    """The seed a role that has none would have, empty: seeds/<role>_aliases.csv, from alias_key to <role>_key,
    named and keyed as the other alias seeds are."""
    return AliasSeed(role, (seeds_dir or config.seeds_dir()) / f"{role}_aliases.csv", "alias_key", f"{role}_key", {},
                     exists=False)


def _read_seed(role: str, path: Path, fold: Callable[[str], str]) -> AliasSeed:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        mapping = {row[0]: row[1] for row in reader if len(row) >= 2}
    return AliasSeed(role, path, header[0], header[1], mapping, fold, len(header))


def missing_aliases(seed: AliasSeed, values: list[tuple[str | None, int]]) -> list[MissingAlias]:
    """The normalised spellings among `values` (value, rows) that the seed does not map, one per alias key."""
    grouped: dict[str, tuple[list[str], int]] = {}
    for value, rows in values:
        key = seed.fold(normalize_name(value)) if value is not None else ""
        if not key or key in seed.mapping:
            continue
        spellings, total = grouped.get(key, ([], 0))
        grouped[key] = ([*spellings, value], total + rows)  # type: ignore[list-item]
    return [MissingAlias(key, tuple(spellings), rows, _guess(seed, key))
            for key, (spellings, rows) in sorted(grouped.items())]


def _guess(seed: AliasSeed, key: str) -> str | None:
    close = difflib.get_close_matches(key, seed.mapping, n=1, cutoff=GUESS_CUTOFF)
    return seed.mapping[close[0]] if close else None


def csv_rows(seed: AliasSeed, missing: list[MissingAlias]) -> list[str]:
    """The rows to append to the seed: the target is the guess, or empty for the user to fill in (an empty
    target fails the seed's not_null test, so it cannot be forgotten)."""
    out = []
    for alias in missing:
        row = [alias.alias_key, alias.guess or "", *[""] * (seed.width - 2)]
        out.append(",".join(_csv_field(v) for v in row))
    return out


def header(seed: AliasSeed) -> str:
    """The seed's header row, for a new seed file."""
    return f"{seed.key_column},{seed.target_column}"


def _csv_field(value: str) -> str:
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\n\r') else value
