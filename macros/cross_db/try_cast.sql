{#- A cast that yields null instead of failing on a value of the wrong shape. dbt's safe_cast is a plain cast
    on DuckDB and on Spark (where, with ANSI mode on, the Spark 4 default, a bad value fails the query), so both
    get their own try_cast; other engines fall back to dbt.safe_cast. -#}

{% macro try_cast(expression, data_type) -%}
    {{ return(adapter.dispatch('try_cast', 'ctdss')(expression, data_type)) }}
{%- endmacro %}

{% macro default__try_cast(expression, data_type) -%}
    {{ dbt.safe_cast(expression, data_type) }}
{%- endmacro %}

{% macro duckdb__try_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro spark__try_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}
