with

town_race_years as (

    select * from {{ ref('fct_town_race_participation_annual') }}

),

towns as (

    select * from {{ ref('dim_town') }}

),

races as (

    select * from {{ ref('races') }}

),

-- Towns only: Unknown and Out of State are not places and belong to no county or region.
cells as (

    select
        town_race_years.town_key,
        town_race_years.race_key,
        town_race_years.calendar_year,
        town_race_years.recipient_count_lower,
        town_race_years.recipient_count_upper,
        case
            when not town_race_years.is_suppressed_at_source then town_race_years.recipient_count
        end as recipient_count,
        town_race_years.is_suppressed_at_source,
        town_race_years.has_methodology_break,
        town_race_years.is_synthetic

    from town_race_years
    inner join towns
        on town_race_years.town_key = towns.town_key
    where not towns.is_special

),

-- The towns of one race group in a year and the races of one town in a year are both published groups (a
-- reader adds either up), so complementary suppression runs over both until neither has a group with exactly
-- one masked cell.
suppressed as (

    {{ suppress_cells(
        'cells',
        lower_column='recipient_count_lower',
        cell_id=['town_key', 'race_key', 'calendar_year'],
        group_by=[
            ['race_key', 'calendar_year'],
            ['town_key', 'calendar_year'],
        ],
    ) }}

),

final as (

    select
        -- ids
        suppressed.town_key,
        suppressed.race_key,
        suppressed.calendar_year,
        towns.county_fips,
        towns.planning_region_fips,

        -- strings
        towns.town_name,
        cast(races.race_name as {{ dbt.type_string() }}) as race_name,
        towns.county_name,
        towns.planning_region_name,

        -- numerics
        cast(races.sort_order as {{ dbt.type_int() }}) as race_sort_order,
        cast(
            {{ mask_if_suppressed('suppressed.recipient_count') }} as {{ dbt.type_bigint() }}
        ) as recipient_count,
        cast(
            {{ mask_if_suppressed('suppressed.recipient_count_lower') }} as {{ dbt.type_bigint() }}
        ) as recipient_count_lower,
        cast(
            {{ mask_if_suppressed('suppressed.recipient_count_upper') }} as {{ dbt.type_bigint() }}
        ) as recipient_count_upper,

        -- booleans
        suppressed.is_suppressed_at_source,
        suppressed.is_suppressed,
        suppressed.is_primary_suppressed,
        suppressed.is_complementary_suppressed,
        suppressed.has_methodology_break,
        suppressed.is_synthetic

    from suppressed
    inner join towns
        on suppressed.town_key = towns.town_key
    left join races
        on suppressed.race_key = races.race_key

)

select * from final
