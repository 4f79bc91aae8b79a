"""How a kind's staging model maps each published name to its key: one `NameMap` per way of mapping.

A kind's name roles (town, program, race, ...) are each mapped through a seed. Most roles map the same way in
every kind (a town through `town_aliases`, a race through `race_aliases`, any other category role through its
own `<role>_aliases` seed); a kind's `config.meta.names` in the registry names another map for a role where its
datasets publish the name differently (the monthly TOA dataset publishes TOA codes, not program names).

Each map gives the pieces of SQL the staging template places (import CTEs, the renamed strings, the mapped
columns and joins, the final columns) and the columns the bounded model reads from the staged rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ctdss.errors import UserError
from ctdss.registry import ROLES

PERIOD_ROLES = ("year", "month")
UNMAPPED_PROGRAM = "__UNMAPPED__"


@dataclass(frozen=True)
class Cte:
    """An import or helper CTE of the staging model: its name, body (indented 4) and an optional comment."""

    name: str
    body: str
    comment: str = ""


def _import(seed: str) -> Cte:
    return Cte(seed, f"select * from {{{{ ref('{seed}') }}}}")


@dataclass(frozen=True)
class MapDocs:
    """What the staging model's YAML says of a map: a phrase of the model's description, the columns the map
    adds that carry a test (their other columns take their doc block by name), the columns of the cell it
    adds to the grain with a short name for the test's name, and the test that names the spellings no seed maps."""

    phrase: str
    grain: list[tuple[str, str]]
    mapped: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(key column, the column as published, the unmapped key, the seed file) of each `names_are_mapped` test."""
    not_null: list[str] = field(default_factory=list)
    doc_names: dict[str, str] = field(default_factory=dict)
    """column -> doc block, where the block is not named after the column."""


def _words(role: str) -> str:
    return role.replace("_", " ")


def _published_and_alias_key(role: str) -> list[str]:
    """The name as published, and folded (case, spacing, punctuation) into the key its alias seed is keyed on."""
    return [f"{role} as {role}_as_published", f"{{{{ normalize_name('{role}') }}}} as {role}_alias_key"]


class NameMap(Protocol):
    """What the staging and bounded templates need from a role's map."""

    role: str

    def imports(self) -> list[Cte]: ...
    def renamed(self) -> list[str]: ...
    def mapped(self) -> list[str]: ...
    def joins(self) -> list[str]: ...
    def comment(self) -> str: ...
    def key_columns(self) -> list[str]: ...
    def string_columns(self) -> list[str]: ...
    def bounded(self) -> dict[str, str]: ...
    def category(self) -> str | None: ...
    def docs(self) -> MapDocs: ...


@dataclass(frozen=True)
class AliasMap:
    """A name mapped to `<role>_key` through the seed `<role>_aliases` (alias_key -> <role>_key); an unknown
    spelling keeps its row under `__unmapped__`. Towns and every category role (race, ethnicity) map this way."""

    role: str

    @property
    def seed(self) -> str:
        return f"{self.role}_aliases"

    def imports(self) -> list[Cte]:
        return [_import(self.seed)]

    def renamed(self) -> list[str]:
        return _published_and_alias_key(self.role)

    def mapped(self) -> list[str]:
        return [f"coalesce({self.seed}.{self.role}_key, '__unmapped__') as {self.role}_key"]

    def joins(self) -> list[str]:
        return [f"left join {self.seed}", f"    on parsed.{self.role}_alias_key = {self.seed}.alias_key"]

    def comment(self) -> str:
        return ""

    def key_columns(self) -> list[str]:
        return [f"{self.role}_key"]

    def string_columns(self) -> list[str]:
        return [f"{self.role}_as_published"]

    def bounded(self) -> dict[str, str]:
        return {f"{self.role}_key": f"{self.role}_key", f"{self.role}_as_published": f"{self.role}_as_published"}

    def category(self) -> str | None:
        return None if self.role == "town" else self.role

    def docs(self) -> MapDocs:
        key = f"{self.role}_key"
        return MapDocs(f"the {_words(self.role)} mapped to its key through the seed `{self.seed}`", [(key, self.role)],
                       [(key, f"{self.role}_as_published", "__unmapped__", f"seeds/{self.seed}.csv")])


@dataclass(frozen=True)
class ProgramAliasMap:
    """A program name, or an assistance type that names a program, mapped to its catalogue `program_code`
    through `program_aliases`; an unknown spelling keeps its row under `__UNMAPPED__`."""

    role: str

    def imports(self) -> list[Cte]:
        return [_import("program_aliases")]

    def renamed(self) -> list[str]:
        return _published_and_alias_key(self.role)

    def mapped(self) -> list[str]:
        return [f"coalesce(program_aliases.program_code, '{UNMAPPED_PROGRAM}') as program_code"]

    def joins(self) -> list[str]:
        return ["left join program_aliases", f"    on parsed.{self.role}_alias_key = program_aliases.alias_key"]

    def comment(self) -> str:
        if self.role == "program":
            return ""
        return "An assistance type of this dataset is a program of the catalogue, spelt as the program aliases know it."

    def key_columns(self) -> list[str]:
        return ["program_code"]

    def string_columns(self) -> list[str]:
        return [f"{self.role}_as_published"]

    def bounded(self) -> dict[str, str]:
        return {"program_code": "program_code", "program_as_published": f"{self.role}_as_published"}

    def category(self) -> str | None:
        return None

    def docs(self) -> MapDocs:
        return MapDocs(f"the {_words(self.role)} mapped to its catalogue program through the seed `program_aliases`",
                       [("program_code", "program")],
                       [("program_code", f"{self.role}_as_published", UNMAPPED_PROGRAM, "seeds/program_aliases.csv")])


@dataclass(frozen=True)
class AssistanceCodeMap:
    """A type of assistance published as its TOA code, rolled up to its catalogue program (and plan, where DSS
    published one) through the `assistance_types` seed."""

    role: str = "assistance_type"

    def imports(self) -> list[Cte]:
        return [_import("assistance_types"), _import("programs")]

    def renamed(self) -> list[str]:
        return ["assistance_type as assistance_type_as_published",
                "upper({{ tidy_name('assistance_type') }}) as assistance_type_code"]

    def mapped(self) -> list[str]:
        return [
            f"coalesce(assistance_types.program_code, '{UNMAPPED_PROGRAM}') as program_code",
            "coalesce(\n"
            "    assistance_types.medical_benefit_plan,\n"
            "    case when programs.program_family = 'medical' then 'Not published' else 'Not applicable' end\n"
            ") as medical_benefit_plan",
        ]

    def joins(self) -> list[str]:
        return [
            "left join assistance_types",
            "    on parsed.assistance_type_code = assistance_types.assistance_type_code",
            "left join programs",
            "    on assistance_types.program_code = programs.program_code",
        ]

    def comment(self) -> str:
        return ("A TOA code rolls up to its catalogue program through the seed (case and spacing folded). A code the "
                "seed does not know keeps its row under __UNMAPPED__. The plan is the seed's where DSS published it.")

    def key_columns(self) -> list[str]:
        return ["assistance_type_code", "program_code"]

    def string_columns(self) -> list[str]:
        return ["assistance_type_as_published", "medical_benefit_plan"]

    def bounded(self) -> dict[str, str]:
        return {"program_code": "program_code", "program_as_published": "assistance_type_as_published",
                "assistance_type_code": "assistance_type_code", "medical_benefit_plan": "medical_benefit_plan"}

    def category(self) -> str | None:
        return None

    def docs(self) -> MapDocs:
        return MapDocs(
            "the TOA code rolled up to its catalogue program through the seed `assistance_types` (a code the seed "
            "does not know keeps its row under `__UNMAPPED__`, quarantined as `unmapped_assistance_type`)",
            [("assistance_type_code", "code")],
            [("program_code", "assistance_type_as_published", UNMAPPED_PROGRAM, "seeds/assistance_types.csv")],
            doc_names={"medical_benefit_plan": "toa_medical_benefit_plan"},
        )


@dataclass(frozen=True)
class PlanCatalogueMap:
    """A medical benefit plan spelt as the program catalogue spells it (case and spacing variants fall on one
    plan); a plan the catalogue does not know keeps its tidied spelling, and a row without a plan is
    `Not applicable`."""

    role: str = "medical_benefit_plan"
    plan_ctes: list[Cte] = field(default_factory=lambda: [_import("programs"), Cte(
        "catalogue_plans",
        "select\n"
        "    {{ normalize_name('medical_benefit_plan') }} as plan_alias_key,\n"
        "    min(medical_benefit_plan) as medical_benefit_plan_name\n"
        "\n"
        "from programs\n"
        "where medical_benefit_plan is not null\n"
        "group by 1",
        "The catalogue's spelling of each medical benefit plan, keyed like the aliases, so that case and spacing\n"
        "variants of a plan name fall on one plan.",
    )])

    def imports(self) -> list[Cte]:
        return list(self.plan_ctes)

    def renamed(self) -> list[str]:
        return ["medical_benefit_plan as medical_benefit_plan_as_published",
                "nullif({{ tidy_name('medical_benefit_plan') }}, '') as medical_benefit_plan_tidied",
                "nullif({{ normalize_name('medical_benefit_plan') }}, '') as plan_alias_key"]

    def mapped(self) -> list[str]:
        return ["coalesce(\n"
                "    catalogue_plans.medical_benefit_plan_name,\n"
                "    parsed.medical_benefit_plan_tidied,\n"
                "    'Not applicable'\n"
                ") as medical_benefit_plan"]

    def joins(self) -> list[str]:
        return ["left join catalogue_plans", "    on parsed.plan_alias_key = catalogue_plans.plan_alias_key"]

    def comment(self) -> str:
        return ""

    def key_columns(self) -> list[str]:
        return []

    def string_columns(self) -> list[str]:
        return ["medical_benefit_plan", "medical_benefit_plan_as_published"]

    def bounded(self) -> dict[str, str]:
        return {"medical_benefit_plan": "medical_benefit_plan"}

    def category(self) -> str | None:
        return None

    def docs(self) -> MapDocs:
        return MapDocs("the plan spelt as in the program catalogue", [("medical_benefit_plan", "plan")],
                       not_null=["medical_benefit_plan"])


# The maps a kind's `config.meta.names` may name, by the name it uses.
NAMED_MAPS = {
    "aliases": AliasMap,
    "program_aliases": ProgramAliasMap,
    "assistance_type_codes": lambda role: AssistanceCodeMap(),
    "plan_catalogue": lambda role: PlanCatalogueMap(),
}
DEFAULT_MAPS = {
    "program": "program_aliases",
    "assistance_type": "program_aliases",
    "medical_benefit_plan": "plan_catalogue",
}


def name_roles(roles: tuple[str, ...]) -> list[str]:
    """The roles of a kind that carry a name (every role but the period and the count), in the registry's order."""
    return [r for r in ROLES if r in roles and r not in (*PERIOD_ROLES, "count")]


def maps_for(kind: str, roles: tuple[str, ...], names: dict[str, str]) -> list[NameMap]:
    """The map of each name role of a kind: the one its `config.meta.names` gives, else the role's default."""
    maps = []
    for role in name_roles(roles):
        chosen = names.get(role, DEFAULT_MAPS.get(role, "aliases"))
        if chosen not in NAMED_MAPS:
            raise UserError(f"The registry's table `{kind}` names the map `{chosen}` for its role `{role}` under "
                            f"`config.meta.names`, which is not one of {sorted(NAMED_MAPS)}. Name one of those, or "
                            f"leave the role out to map it the default way.")
        maps.append(NAMED_MAPS[chosen](role))
    return maps
