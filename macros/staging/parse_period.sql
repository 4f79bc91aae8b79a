{#- Reading a published period. A year is valid only as four digits; a month is a Socrata floating timestamp
    (`2021-01-01T00:00:00.000`) truncated to the first of its month. Either is null when it cannot be read, and
    staging names the issue instead of guessing. -#}

{% macro parse_calendar_year(column) -%}
    case
        when {{ ctdss.matches_regex('trim(' ~ column ~ ')', '^[0-9]{4}$') }}
            then {{ ctdss.try_cast('trim(' ~ column ~ ')', dbt.type_int()) }}
    end
{%- endmacro %}


{% macro parse_month_start(column) -%}
    cast(
        {{ dbt.date_trunc('month', ctdss.try_cast('trim(' ~ column ~ ')', dbt.type_timestamp())) }} as date
    )
{%- endmacro %}
