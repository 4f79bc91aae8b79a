{#- The select that adds up the counts of each measure's programs (seed measure_programs) at the grain of
    `keys` (arguments are documented in macros/_macros.yml). Bounds add up; the point value is set only when
    every count added is exact, so a sum never passes a count DSS published as 0 (0 to 4) off as known. One
    macro for every grain, so the measures cannot differ between them. -#}

{% macro measure_rollup(participation, keys, count) -%}
    select
        {%- for key in keys %}
        {{ participation }}.{{ key }},
        {%- endfor %}
        measure_programs.measure_key,
        max(measure_programs.measure_name) as measure_name,
        cast(count(distinct {{ participation }}.program_code) as {{ dbt.type_int() }}) as program_count,
        cast(count(*) as {{ dbt.type_int() }}) as count_rows_added,
        cast(
            case
                when sum({{ participation }}.{{ count }}_lower) = sum({{ participation }}.{{ count }}_upper)
                    then sum({{ participation }}.{{ count }}_lower)
            end as {{ dbt.type_bigint() }}
        ) as enrolments,
        cast(sum({{ participation }}.{{ count }}_lower) as {{ dbt.type_bigint() }}) as enrolments_lower,
        cast(sum({{ participation }}.{{ count }}_upper) as {{ dbt.type_bigint() }}) as enrolments_upper,
        {{ dbt.bool_or(participation ~ '.has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or(participation ~ '.is_synthetic') }} as is_synthetic

    from {{ participation }}
    inner join measure_programs
        on {{ participation }}.program_code = measure_programs.program_code
    group by
        {%- for key in keys %}
        {{ participation }}.{{ key }},
        {%- endfor %}
        measure_programs.measure_key
{%- endmacro %}

{#- The CTEs `measure_totals` and `final` of a town measure mart (arguments are documented in
    macros/_macros.yml): the measures added up per town and `period`, with the town's population of the period
    carried as a key (it depends on the town and period only), then the rates per 1,000 residents. -#}

{% macro town_measure_rates(participation, period, count) -%}
measure_totals as (

    {{ measure_rollup(participation, ['town_key', period, 'population', 'population_vintage'], count) }}

),

final as (

    select
        measure_totals.*,
        {{ rate_per_1000_columns(
            'measure_totals.enrolments',
            'measure_totals.enrolments_lower',
            'measure_totals.enrolments_upper',
            'measure_totals.population',
        ) }}

    from measure_totals

)
{%- endmacro %}
