with

suppressed_cells as (

    select * from {{ ref('int_town_race_annual_suppressed') }}

),

towns as (

    select * from {{ ref('dim_town') }}

),

races as (

    select * from {{ ref('races') }}

),

-- The lineage check knows a mask by the is_suppressed of a step of this name.
suppression_result as (

    select * from suppressed_cells

),

final as (

    select
        -- ids
        suppression_result.town_key,
        suppression_result.race_key,
        suppression_result.calendar_year,
        towns.county_fips,
        towns.planning_region_fips,

        -- strings
        towns.town_name,
        cast(races.race_name as {{ dbt.type_string() }}) as race_name,
        towns.county_name,
        towns.planning_region_name,

        -- numerics
        cast(races.sort_order as {{ dbt.type_int() }}) as race_sort_order,
        {{ published_count_columns('suppression_result') }},

        -- booleans
        suppression_result.is_suppressed,
        suppression_result.has_methodology_break,
        suppression_result.is_synthetic

    from suppression_result
    inner join towns
        on suppression_result.town_key = towns.town_key
    left join races
        on suppression_result.race_key = races.race_key

)

select * from final
