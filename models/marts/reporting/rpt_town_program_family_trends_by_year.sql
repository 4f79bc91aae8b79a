with

family_totals as (

    select * from {{ ref('int_town_program_annual_rolled_up_by_family') }}

),

towns as (

    select * from {{ ref('dim_town') }}

),

town_population as (

    select * from {{ ref('int_town_population_by_year') }}

),

decisions as (

    select * from {{ ref('int_town_program_annual_suppressed') }}
    where item_kind = 'town_family'

),

-- Enrolments: the town's program counts of the year summed within the family (see the model it comes from:
-- not a count of people), with the family's decision, taken once for the annual system (the towns, their
-- county, region and family totals). The point value only while every program count is exact.
suppression_result as (

    select
        family_totals.town_key,
        family_totals.program_family,
        family_totals.calendar_year,
        family_totals.program_count as cell_count,
        family_totals.has_methodology_break,
        family_totals.is_synthetic,
        decisions.is_suppressed,
        case
            when family_totals.enrolments_lower = family_totals.enrolments_upper
                then family_totals.enrolments_lower
        end as enrolments,
        family_totals.enrolments_lower,
        family_totals.enrolments_upper

    from family_totals
    inner join decisions
        on
            family_totals.town_key = decisions.town_key
            and family_totals.program_family = decisions.program_family
            and family_totals.calendar_year = decisions.calendar_year

),

published as (

    select
        town_key,
        program_family,
        calendar_year,
        cell_count,
        has_methodology_break,
        is_synthetic,
        is_suppressed,
        {{ mask_if_suppressed('enrolments') }} as enrolments,
        {{ mask_if_suppressed('enrolments_lower') }} as enrolments_lower,
        {{ mask_if_suppressed('enrolments_upper') }} as enrolments_upper

    from suppression_result

),

-- A change is published only when both years are published (and, for the point value, exact); a missing year
-- counts as masked.
year_over_year as (

    {{ prior_period_values(
        'published',
        keys=['town_key', 'program_family'],
        period_column='calendar_year',
        prior_period='current_cell.calendar_year - 1',
    ) }}

),

final as (

    select
        -- ids
        published.town_key,
        published.program_family,
        published.calendar_year,
        towns.county_fips,
        towns.planning_region_fips,

        -- strings
        towns.town_name,
        towns.county_name,
        towns.planning_region_name,

        -- numerics
        cast(published.cell_count as {{ dbt.type_int() }}) as program_count,
        cast(published.enrolments as {{ dbt.type_bigint() }}) as enrolments,
        cast(published.enrolments_lower as {{ dbt.type_bigint() }}) as enrolments_lower,
        cast(published.enrolments_upper as {{ dbt.type_bigint() }}) as enrolments_upper,
        {{ published_rate_columns('published', 'enrolments', 'town_population') }},
        {{ masked_change_columns('published', 'year_over_year') }},

        -- booleans
        published.is_suppressed,
        coalesce(year_over_year.is_prior_suppressed, true) or published.is_suppressed as is_yoy_change_masked,
        published.has_methodology_break,
        published.is_synthetic

    from published
    inner join towns
        on published.town_key = towns.town_key
    left join town_population
        on
            published.town_key = town_population.town_key
            and published.calendar_year = town_population.calendar_year
    left join year_over_year
        on
            published.town_key = year_over_year.town_key
            and published.program_family = year_over_year.program_family
            and published.calendar_year = year_over_year.calendar_year

)

select * from final
