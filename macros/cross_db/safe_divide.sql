{#- A ratio that is null when the denominator is zero (or null), on every engine. A bare division by zero gives
    null or inf on DuckDB and fails the query on Spark in ANSI mode, so ratios go through this macro. The
    numerator is made non-integer first, so that no engine divides as integers. -#}

{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'ctdss')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    ({{ numerator }}) * 1.0 / nullif({{ denominator }}, 0)
{%- endmacro %}

{% macro spark__safe_divide(numerator, denominator) -%}
    try_divide(({{ numerator }}) * 1.0, {{ denominator }})
{%- endmacro %}
