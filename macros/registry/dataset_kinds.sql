{#- The kinds of the dataset registry (the `socrata` source's tables) with the properties models decide behaviour
    by, read from each table's `config.meta`, as a select of literal rows:

        dataset_kind | geography (town, statewide) | period_grain (year, month) | fact_series

    so that no model names a kind to decide what applies to it: a new kind with the same properties behaves the
    same with no model change. At parse time the graph is not available; the select then has the same
    columns (one row of nulls). -#}

{% macro dataset_kinds() -%}
    {%- set kinds = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() if node.source_name == 'socrata' -%}
            {%- do kinds.append(node) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if kinds | length == 0 %}
    select
        cast(null as {{ dbt.type_string() }}) as dataset_kind,
        cast(null as {{ dbt.type_string() }}) as geography,
        cast(null as {{ dbt.type_string() }}) as period_grain,
        cast(null as {{ dbt.type_string() }}) as fact_series
    {%- else -%}
        {%- for node in kinds | sort(attribute='name') %}
            {%- set meta = node.config.meta or node.meta %}
    select
        cast({{ dbt.string_literal(node.name) }} as {{ dbt.type_string() }}) as dataset_kind,
        cast({{ dbt.string_literal(meta.get('geography')) }} as {{ dbt.type_string() }}) as geography,
        cast({{ dbt.string_literal(meta.get('period')) }} as {{ dbt.type_string() }}) as period_grain,
        cast({{ dbt.string_literal(meta.get('series')) }} as {{ dbt.type_string() }}) as fact_series
            {%- if not loop.last %}
    union all
            {%- endif %}
        {%- endfor %}
    {%- endif %}
{%- endmacro %}
