{#- The values of a group joined into one string, in a given order. dbt.listagg does this on DuckDB, Postgres
    and most engines, but dbt-spark drops its order by, which would make the text depend on how Spark happened
    to shuffle the rows; Spark 4's own listagg takes the order as a within group clause. -#}

{% macro ordered_listagg(measure, delimiter_text, order_by) -%}
    {{ return(adapter.dispatch('ordered_listagg', 'ctdss')(measure, delimiter_text, order_by)) }}
{%- endmacro %}

{% macro default__ordered_listagg(measure, delimiter_text, order_by) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ order_by) }}
{%- endmacro %}

{% macro spark__ordered_listagg(measure, delimiter_text, order_by) -%}
    listagg({{ measure }}, {{ delimiter_text }}) within group (order by {{ order_by }})
{%- endmacro %}
