with

geography_totals as (

    select * from {{ ref('int_town_program_annual_rolled_up_by_geography') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

decisions as (

    select * from {{ ref('int_town_program_annual_suppressed') }}
    where item_kind in ('county', 'planning_region')

),

-- Point values only while every town is exact.
cells as (

    select
        *,
        case
            when recipient_count_lower = recipient_count_upper then recipient_count_lower
        end as recipient_count

    from geography_totals

),

-- Each total with its decision, taken once for the annual system (the towns, their county, region and family
-- totals).
suppression_result as (

    select
        cells.*,
        decisions.is_suppressed

    from cells
    inner join decisions
        on
            cells.program_code = decisions.program_code
            and cells.calendar_year = decisions.calendar_year
            and cells.geography_level = decisions.geography_level
            and cells.geography_fips = decisions.geography_fips

),

final as (

    select
        -- ids
        suppression_result.program_code,
        suppression_result.calendar_year,
        suppression_result.geography_level,
        suppression_result.geography_fips,

        -- strings
        programs.program_name,
        suppression_result.geography_name,

        -- numerics
        cast(suppression_result.town_count as {{ dbt.type_int() }}) as town_count,
        cast(
            {{ mask_if_suppressed('suppression_result.recipient_count') }} as {{ dbt.type_bigint() }}
        ) as recipient_count,
        cast(
            {{ mask_if_suppressed('suppression_result.recipient_count_lower') }} as {{ dbt.type_bigint() }}
        ) as recipient_count_lower,
        cast(
            {{ mask_if_suppressed('suppression_result.recipient_count_upper') }} as {{ dbt.type_bigint() }}
        ) as recipient_count_upper,
        {{ published_rate_columns('suppression_result', 'recipient_count', 'suppression_result') }},

        -- booleans
        suppression_result.is_suppressed,
        suppression_result.has_methodology_break,
        suppression_result.is_synthetic

    from suppression_result
    left join programs
        on suppression_result.program_code = programs.program_code

)

select * from final
