{#- Reading a published count. A count is valid when it is a whole, non-negative number no larger than the var
    max_plausible_count ("12", "12.0" and "+12" are valid; "", "1,234", "12.5", "-3" and "9e9" are not).
    An invalid count is never coerced: staging keeps the text, leaves the integer null and names the issue. -#}

{% macro count_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}


{% macro count_issue(count_text) -%}
    {%- set whole_part = dbt.split_part(count_text, "'.'", 1) -%}
    case
        when {{ count_text }} is null then 'missing'
        when not {{ ctdss.matches_regex(count_text, '^[+-]?[0-9]+([.][0-9]*)?$') }} then 'not_a_number'
        when {{ ctdss.matches_regex(count_text, '^-') }} and {{ ctdss.matches_regex(count_text, '[1-9]') }}
            then 'negative'
        when {{ ctdss.matches_regex(count_text, '[.][0-9]*[1-9]') }} then 'fractional'
        when coalesce(
            {{ ctdss.try_cast(whole_part, dbt.type_bigint()) }} > {{ var('max_plausible_count') }}, true
        ) then 'implausibly_large'
    end
{%- endmacro %}


{% macro count_value(count_text) -%}
    case
        when ({{ ctdss.count_issue(count_text) }}) is null
            then {{ ctdss.try_cast(dbt.split_part(count_text, "'.'", 1), dbt.type_int()) }}
    end
{%- endmacro %}
