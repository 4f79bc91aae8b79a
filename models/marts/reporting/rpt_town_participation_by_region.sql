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

-- Each town belongs to one county and one planning region. Unknown, Out of State and Statewide have neither
-- and are left out of the rollups.
town_geographies as (

    select
        town_key,
        'county' as geography_level,
        county_fips as geography_fips,
        county_name as geography_name

    from towns
    where not is_special

    union all

    select
        town_key,
        'planning_region' as geography_level,
        planning_region_fips as geography_fips,
        planning_region_name as geography_name

    from towns
    where not is_special

),

-- Bounds add up; point values only while every town is exact. Never across programs.
rolled_up as (

    select
        town_participation.program_code,
        town_participation.calendar_year,
        town_geographies.geography_level,
        town_geographies.geography_fips,
        town_geographies.geography_name,
        count(*) as town_count,
        sum(
            case when town_participation.is_suppressed_at_source then 1 else 0 end
        ) as towns_suppressed_at_source,
        sum(town_participation.recipient_count_lower) as recipient_count_lower,
        sum(town_participation.recipient_count_upper) as recipient_count_upper,
        {{ dbt.bool_or('town_participation.has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or('town_participation.is_synthetic') }} as is_synthetic

    from town_participation
    inner join town_geographies
        on town_participation.town_key = town_geographies.town_key
    group by 1, 2, 3, 4, 5

),

cells as (

    select
        *,
        case
            when recipient_count_lower = recipient_count_upper then recipient_count_lower
        end as recipient_count

    from rolled_up

),

-- Within one program, year and geography level, the geographies are the published group.
suppressed as (

    {{ suppress_cells(
        'cells',
        lower_column='recipient_count_lower',
        cell_id=['program_code', 'calendar_year', 'geography_level', 'geography_fips'],
        group_by=[['program_code', 'calendar_year', 'geography_level']],
    ) }}

),

final as (

    select
        -- ids
        suppressed.program_code,
        suppressed.calendar_year,
        suppressed.geography_level,
        suppressed.geography_fips,

        -- strings
        programs.program_name,
        suppressed.geography_name,

        -- numerics
        cast(suppressed.town_count as {{ dbt.type_int() }}) as town_count,
        cast(
            {{ mask_if_suppressed('suppressed.recipient_count') }} as {{ dbt.type_bigint() }}
        ) as recipient_count,
        cast(
            {{ mask_if_suppressed('suppressed.recipient_count_lower') }} as {{ dbt.type_bigint() }}
        ) as recipient_count_lower,
        cast(
            {{ mask_if_suppressed('suppressed.recipient_count_upper') }} as {{ dbt.type_bigint() }}
        ) as recipient_count_upper,
        cast(suppressed.towns_suppressed_at_source as {{ dbt.type_int() }}) as towns_suppressed_at_source,

        -- booleans
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
