{#- A boolean expression: true when the text matches the (anchored where needed) regular expression. -#}

{% macro matches_regex(expression, pattern) -%}
    {{ return(adapter.dispatch('matches_regex', 'ctdss')(expression, pattern)) }}
{%- endmacro %}

{% macro default__matches_regex(expression, pattern) -%}
    ({{ expression }} ~ {{ ctdss.string_literal(pattern) }})
{%- endmacro %}

{% macro duckdb__matches_regex(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ ctdss.string_literal(pattern) }})
{%- endmacro %}

{% macro spark__matches_regex(expression, pattern) -%}
    ({{ expression }} rlike {{ ctdss.string_literal(pattern) }})
{%- endmacro %}


{#- A SQL string literal that holds `text` exactly, quoted as the engine reads its literals. -#}

{% macro string_literal(text) -%}
    {{ return(adapter.dispatch('string_literal', 'ctdss')(text)) }}
{%- endmacro %}

{#- Standard SQL (DuckDB, Postgres): a backslash is itself, a quote is doubled. -#}
{% macro default__string_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{#- Spark unescapes a backslash and the character after it inside a literal (`'\.'` is `.`), so both backslashes
    and quotes are escaped with one. -#}
{% macro spark__string_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
