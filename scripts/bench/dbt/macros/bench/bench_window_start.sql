{#-
    The first month of the refresh window of an incremental benchmark model, as 'YYYY-MM-DD' text: the last
    month already built minus (refresh_window_months - 1) months. It is read before the model's query runs, so
    the query filters on a constant, which DuckDB pushes down to the scan (whole row groups of older months
    are skipped, not read and filtered).

    relation  the model's existing table (`this`)
    column    its month column (a date)
-#}
{% macro bench_window_start(relation, column) %}
    {%- if not execute -%}
        {{ return('1900-01-01') }}
    {%- endif -%}
    {%- set sql -%}
        select cast({{ dbt.dateadd('month', 1 - var('refresh_window_months'), 'max(' ~ column ~ ')') }} as date)
        from {{ relation }}
    {%- endset -%}
    {%- set value = run_query(sql).columns[0].values()[0] -%}
    {{ return((value | string)[:10] if value is not none else '1900-01-01') }}
{% endmacro %}
