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
        {{ dbt.cast('null', dbt.type_string()) }} as dataset_kind,
        {{ dbt.cast('null', dbt.type_string()) }} as geography,
        {{ dbt.cast('null', dbt.type_string()) }} as period_grain,
        {{ dbt.cast('null', dbt.type_string()) }} as fact_series
    {%- else -%}
        {%- for node in kinds | sort(attribute='name') %}
            {%- set meta = node.config.meta or node.meta %}
    select
        {{ dbt.cast(dbt.string_literal(node.name), dbt.type_string()) }} as dataset_kind,
        {{ dbt.cast(dbt.string_literal(meta.get('geography')), dbt.type_string()) }} as geography,
        {{ dbt.cast(dbt.string_literal(meta.get('period')), dbt.type_string()) }} as period_grain,
        {{ dbt.cast(dbt.string_literal(meta.get('series')), dbt.type_string()) }} as fact_series
            {%- if not loop.last %}
    union all
            {%- endif %}
        {%- endfor %}
    {%- endif %}
{%- endmacro %}
