{#- The rate per 1,000 residents of a count and of its bounds, as three columns `<prefix>`, `<prefix>_lower`
    and `<prefix>_upper` (arguments are documented in macros/_macros.yml). Each is null where its count or the
    population is. The rate is rounded in integers (rounded_ratio) so that every engine gives the same digits,
    and rounding keeps the order of the bounds. The counts are widened to bigint first: a 32-bit count times
    1,000 (and the factors rounded_ratio applies) overflows. -#}

{% macro rate_per_1000_columns(count, count_lower, count_upper, population, prefix='rate_per_1000') -%}
    {%- set widened = ') as ' ~ dbt.type_bigint() ~ ') * 1000' %}
        {{ rounded_ratio('cast((' ~ count ~ widened, population, scale=2) }} as {{ prefix }},
        {{ rounded_ratio('cast((' ~ count_lower ~ widened, population, scale=2) }} as {{ prefix }}_lower,
        {{ rounded_ratio('cast((' ~ count_upper ~ widened, population, scale=2) }} as {{ prefix }}_upper
{%- endmacro %}

{#- The population columns and the masked rates of a published cell (arguments are documented in
    macros/_macros.yml): `population`, `population_vintage` and the rates of `<count>`, `<count>_lower` and
    `<count>_upper` after mask_if_suppressed on the cell's `is_suppressed`, so a rate is masked exactly where
    its count is. -#}

{% macro published_rate_columns(cells, count, populations) -%}
    {%- set flag = cells ~ '.is_suppressed' -%}
        {{ populations }}.population,
        {{ populations }}.population_vintage,
        {{ rate_per_1000_columns(
            mask_if_suppressed(cells ~ '.' ~ count, flag),
            mask_if_suppressed(cells ~ '.' ~ count ~ '_lower', flag),
            mask_if_suppressed(cells ~ '.' ~ count ~ '_upper', flag),
            populations ~ '.population',
        ) }}
{%- endmacro %}
