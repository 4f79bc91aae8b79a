{#- Name folding used to match published spellings to the alias seeds. The default implementation is the
    Postgres and DuckDB form of regexp_replace (with the 'g' flag); another engine needs one more macro. -#}

{% macro tidy_name(expression) -%}
    {{ return(adapter.dispatch('tidy_name', 'ctdss')(expression)) }}
{%- endmacro %}

{% macro default__tidy_name(expression) -%}
    trim(regexp_replace({{ expression }}, '\s+', ' ', 'g'))
{%- endmacro %}

{% macro spark__tidy_name(expression) -%}
    trim(regexp_replace({{ expression }}, '\\s+', ' '))
{%- endmacro %}


{% macro normalize_name(expression) -%}
    {{ return(adapter.dispatch('normalize_name', 'ctdss')(expression)) }}
{%- endmacro %}

{% macro default__normalize_name(expression) -%}
    lower({{ ctdss.tidy_name(expression) }})
{%- endmacro %}
