"""The lineage labels, on small compiled-SQL shapes: each rule recognises its shape and nothing else."""

from __future__ import annotations

import pytest

from ctdss.lineage.model import How, LineageError, NodeType
from ctdss.lineage.project import Relation
from ctdss.lineage.resolve import ModelTracer
from ctdss.lineage.trace import column_edges


def _model_edges(sql: str, upstream: dict[str, list[str]], seeds: tuple[str, ...] = ()) -> dict[str, list]:
    """Trace `sql` as model marts.m over the given upstream relations: {column: [Edge]}."""
    tables, schema = {}, {}
    for label, columns in upstream.items():
        schema_name, name = label.split(".")
        kind = NodeType.SEED if label in seeds else NodeType.MODEL
        relation = Relation(f"{kind}.p.{name}", kind, "db", schema_name, name, columns=columns)
        tables[relation.key] = relation
        schema.setdefault("db", {}).setdefault(schema_name, {})[name] = {c: "unknown" for c in columns}
    model = Relation("model.p.m", NodeType.MODEL, "db", "marts", "m", sql=sql)
    tracer = ModelTracer(model, schema, tables)
    hits = {column: tracer.trace(column) for column in tracer.columns()}
    constants = {c for c, found in hits.items() if all(h.relation is None for h in found)}
    return {column: column_edges(model, column, found, constants) for column, found in hits.items()}


def _trace(sql: str, upstream: dict[str, list[str]], seeds: tuple[str, ...] = ()) -> dict[str, set]:
    """{column: {(upstream relation.column, how, constant)}} of `sql` traced as model marts.m."""
    return {
        column: {(e.upstream_model and f"{e.upstream_model}.{e.upstream_column}", e.how, e.constant_value)
                 for e in edges}
        for column, edges in _model_edges(sql, upstream, seeds).items()
    }


UP = {"marts.up": ["a", "b", "n", "flag"]}


def test_plain_steps_are_passed_renamed_cast_aggregated_and_constant():
    edges = _trace(
        """with up as (select * from db.marts.up),
               final as (
                   select a, b as bee, cast(n as bigint) as n_big, 'x' as k, sum(n) as total, count(*) as rows
                   from up group by all
               )
           select * from final""",
        UP,
    )
    assert edges["a"] == {("marts.up.a", (How.PASSED,), None)}
    assert edges["bee"] == {("marts.up.b", (How.RENAMED,), None)}
    assert edges["n_big"] == {("marts.up.n", (How.CAST, How.RENAMED), None)}
    assert edges["k"] == {(None, (How.CONSTANT,), "'x'")}
    assert edges["total"] == {("marts.up.n", (How.AGGREGATED,), None)}
    assert edges["rows"] == {(None, (How.CONSTANT,), "COUNT(*)")}


def test_a_column_only_in_a_condition_is_tested_and_does_not_carry_the_value():
    edges = _trace("select n = 0 as is_zero, case when flag then 1 else 0 end as one from db.marts.up", UP)
    assert edges["is_zero"] == {("marts.up.n", (How.TESTED,), None)}
    assert edges["one"] == {("marts.up.flag", (How.TESTED,), None), (None, (How.CONSTANT, How.COMPUTED), "1"),
                            (None, (How.CONSTANT, How.COMPUTED), "0")}


def test_conditions_of_if_and_aggregate_filters_are_tested():
    edges = _trace("select if(flag, n, 0) as picked, sum(n) filter (where flag) as flagged from db.marts.up", UP)
    assert edges["picked"] == {("marts.up.flag", (How.TESTED,), None), ("marts.up.n", (How.COMPUTED,), None)}
    assert edges["flagged"] == {("marts.up.flag", (How.TESTED,), None), ("marts.up.n", (How.AGGREGATED,), None)}


def test_constructs_sqlglot_cannot_place_fail_naming_the_model_and_column():
    with pytest.raises(LineageError, match=r"marts\.m\.m .*scalar subquery"):
        _trace("select (select max(n) from db.marts.up) as m from db.marts.up", UP)


def test_a_zero_replaced_by_a_positive_bound_is_bounded():
    edges = _trace("select case when n = 0 then 4 else n end as upper, "
                   "case when n = 0 then 4 else a end as other from db.marts.up", UP)
    assert edges["upper"] == {("marts.up.n", (How.BOUNDED, How.RENAMED), None)}
    assert ("marts.up.a", (How.COMPUTED,), None) in edges["other"]  # another column in the else: not a bound


SUPPRESSED = """
    with up as (select * from db.marts.up),
    suppressed as (
        with {step} as (select a, n, n < 5 as is_suppressed from up)
        select * from {step}
    )
    select case when not is_suppressed then n end as n_published from suppressed
"""


def test_a_null_out_on_the_suppression_macros_flag_is_masked():
    edges = _trace(SUPPRESSED.format(step="suppression_result"), UP)
    assert ("marts.up.n", (How.MASKED, How.RENAMED), None) in edges["n_published"]


def test_the_same_null_out_on_a_hand_made_flag_is_not_a_mask():
    edges = _trace(SUPPRESSED.format(step="my_flags"), UP)
    assert ("marts.up.n", (How.COMPUTED,), None) in edges["n_published"]
    assert not any(How.MASKED in how for _, how, _ in edges["n_published"])


def test_a_value_looked_up_in_a_seed_by_a_case_folded_key_is_normalised_from_the_key():
    edges = _trace(
        """with up as (select * from db.marts.up), aliases as (select * from db.seeds.aliases),
               keyed as (select lower(trim(a)) as a_key from up)
           select coalesce(aliases.code, '?') as code
           from keyed left join aliases on keyed.a_key = aliases.alias_key""",
        {**UP, "seeds.aliases": ["alias_key", "code"]},
        seeds=("seeds.aliases",),
    )
    assert edges["code"] == {("seeds.aliases.code", (How.COMPUTED,), None), ("marts.up.a", (How.NORMALISED,), None)}


def test_a_lookup_by_a_plain_key_is_not_normalised():
    edges = _trace(
        """select seed.code from db.marts.up as up left join db.seeds.aliases as seed on up.a = seed.alias_key""",
        {**UP, "seeds.aliases": ["alias_key", "code"]},
        seeds=("seeds.aliases",),
    )
    assert edges["code"] == {("seeds.aliases.code", (How.PASSED,), None)}


def test_a_union_traces_each_branch_by_position():
    edges = _trace("select a as x from db.marts.up union all select b from db.marts.up", UP)
    assert edges["x"] == {("marts.up.a", (How.RENAMED,), None), ("marts.up.b", (How.RENAMED,), None)}


def test_an_unknown_column_fails_naming_the_model():
    with pytest.raises(LineageError, match=r"marts\.m"):
        _trace("select missing_column from db.marts.up", UP)


def test_a_where_on_a_plain_upstream_column_is_kept_as_the_edges_upstream_filter():
    (edge,) = _model_edges("with up as (select * from db.marts.up) select n from up where a = 'x' and n > 0",
                           UP)["n"]
    assert edge.upstream_filter == (("a", "'x'"),)  # the comparison n > 0 is not an equality to a literal


def test_the_literal_columns_of_a_union_branch_say_which_rows_each_edge_feeds():
    edges = _model_edges(
        """with one as (select 'one' as kind, a as v from db.marts.up),
                two as (select 'two' as kind, b as v from db.marts.up)
           select * from one union all select * from two""",
        UP,
    )
    assert {(e.upstream_column, e.branch_condition) for e in edges["v"]} == {
        ("a", (("kind", "'one'"),)), ("b", (("kind", "'two'"),))}


def _raw_edges(columns: list[str]) -> dict[str, set]:
    from ctdss.lineage.portal import source_edges
    from ctdss.registry import load_registry

    relation = Relation("source.p.socrata.town_program_annual", NodeType.SOURCE, "db", "raw", "town_program_annual",
                        columns=columns, kind="town_program_annual")
    edges = source_edges(relation, load_registry())
    return {c: {(e.upstream_model, e.upstream_column, e.how, e.constant_value) for e in edges if e.column == c}
            for c in columns}


def test_raw_columns_lead_to_the_registry_fields_constants_and_served_names():
    from ctdss.registry import load_registry

    (dataset,) = load_registry().kind("town_program_annual").datasets
    portal = f"socrata.{dataset.id}"
    edges = _raw_edges(["count", "year", "_source_row_id", "_source_dataset_id", "some_served_field"])
    assert edges["count"] == {(portal, dataset.fields["count"], (How.LANDED,), None)}
    assert edges["year"] == {(portal, None, (How.CONSTANT,), dataset.constants["year"])}
    assert edges["_source_row_id"] == {(portal, ":id", (How.LANDED,), None)}
    assert edges["_source_dataset_id"] == {(portal, None, (How.CONSTANT,), dataset.id)}
    assert edges["some_served_field"] == {(portal, "some_served_field", (How.LANDED,), None)}


def test_a_provenance_column_without_a_rule_fails(monkeypatch: pytest.MonkeyPatch):
    from ctdss.lineage import portal

    monkeypatch.delitem(portal.PROVENANCE_RULES, "_loaded_at")
    with pytest.raises(LineageError, match="_loaded_at"):
        _raw_edges(["_loaded_at"])
