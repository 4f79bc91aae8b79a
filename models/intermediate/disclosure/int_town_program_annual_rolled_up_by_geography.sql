-- The county and planning region totals of the annual town counts, as rpt_town_participation_by_region
-- publishes them. Bounds add up; programs are never added together. The population is summed over the same
-- towns as the counts (those with a row for the program and year), and is null unless every one has a figure.
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

final as (

    select
        town_participation.program_code,
        programs.program_family,
        town_participation.calendar_year,
        town_geographies.geography_level,
        town_geographies.geography_fips,
        town_geographies.geography_name,
        count(*) as town_count,
        sum(town_participation.recipient_count_lower) as recipient_count_lower,
        sum(town_participation.recipient_count_upper) as recipient_count_upper,
        cast(
            case
                when count(town_participation.population) = count(*) then sum(town_participation.population)
            end as {{ dbt.type_bigint() }}
        ) as population,
        max(town_participation.population_vintage) as population_vintage,
        {{ dbt.bool_or('town_participation.has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or('town_participation.is_synthetic') }} as is_synthetic

    from town_participation
    inner join town_geographies
        on town_participation.town_key = town_geographies.town_key
    inner join programs
        on town_participation.program_code = programs.program_code
    group by
        town_participation.program_code,
        programs.program_family,
        town_participation.calendar_year,
        town_geographies.geography_level,
        town_geographies.geography_fips,
        town_geographies.geography_name

)

select * from final
