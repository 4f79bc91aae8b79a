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
        town_participation.is_suppressed_at_source,
        town_participation.has_methodology_break,
        town_participation.is_synthetic

    from town_participation
    inner join towns
        on town_participation.town_key = towns.town_key
    where not towns.is_special

),

-- The towns of one county, and the towns of one planning region, are published groups (their totals are
-- published in rpt_town_participation_by_region). The two groupings overlap, so complementary suppression is
-- repeated until no county or region of a program and year has exactly one suppressed town.
suppressed as (

    {{ suppress_cells(
        'cells',
        lower_column='recipient_count_lower',
        cell_id=['town_key', 'program_code', 'calendar_year'],
        group_by=[
            ['program_code', 'calendar_year', 'county_fips'],
            ['program_code', 'calendar_year', 'planning_region_fips'],
        ],
    ) }}

),

final as (

    select
        -- ids
        suppressed.town_key,
        suppressed.program_code,
        suppressed.calendar_year,
        suppressed.county_fips,
        suppressed.planning_region_fips,

        -- strings
        suppressed.town_name,
        programs.program_name,
        suppressed.county_name,
        suppressed.planning_region_name,

        -- numerics
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
    left join programs
        on suppressed.program_code = programs.program_code

)

select * from final
