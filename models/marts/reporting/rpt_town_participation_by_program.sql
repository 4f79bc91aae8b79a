with

town_participation as (

    select * from {{ ref('fct_town_program_participation_annual') }}

),

towns as (

    select * from {{ ref('dim_town') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

decisions as (

    select * from {{ ref('int_town_program_annual_suppressed') }}
    where item_kind = 'town_program'

),

-- Towns only: Unknown, Out of State and Statewide are not places and belong to no county or region.
cells as (

    select
        town_participation.town_key,
        town_participation.program_code,
        town_participation.calendar_year,
        towns.town_name,
        towns.county_fips,
        towns.county_name,
        towns.planning_region_fips,
        towns.planning_region_name,
        town_participation.recipient_count_lower,
        town_participation.recipient_count_upper,
        case
            when not town_participation.is_suppressed_at_source then town_participation.recipient_count
        end as recipient_count,
        town_participation.population,
        town_participation.population_vintage,
        town_participation.has_methodology_break,
        town_participation.is_synthetic

    from town_participation
    inner join towns
        on town_participation.town_key = towns.town_key
    where not towns.is_special

),

-- Each town cell with its decision, taken once for the annual system (the cell, its county, region and
-- family totals).
suppression_result as (

    select
        cells.*,
        decisions.is_suppressed

    from cells
    inner join decisions
        on
            cells.town_key = decisions.town_key
            and cells.program_code = decisions.program_code
            and cells.calendar_year = decisions.calendar_year

),

final as (

    select
        -- ids
        suppression_result.town_key,
        suppression_result.program_code,
        suppression_result.calendar_year,
        suppression_result.county_fips,
        suppression_result.planning_region_fips,

        -- strings
        suppression_result.town_name,
        programs.program_name,
        suppression_result.county_name,
        suppression_result.planning_region_name,

        -- numerics
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
