with

town_program_years as (

    select * from {{ ref('fct_town_program_participation_annual') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

towns as (

    select * from {{ ref('dim_town') }}

),

-- Enrolments: the town's program counts of the year summed within the family. A person in two programs of one
-- family counts twice, and a recipient who moved is counted in every town lived in: not a count of people.
-- Towns only: Unknown and Out of State are not places.
family_years as (

    select
        town_program_years.town_key,
        programs.program_family,
        town_program_years.calendar_year,
        count(*) as cell_count,
        sum(town_program_years.recipient_count_lower) as enrolments_lower,
        sum(town_program_years.recipient_count_upper) as enrolments_upper,
        {{ dbt.bool_or('town_program_years.has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or('town_program_years.is_synthetic') }} as is_synthetic

    from town_program_years
    inner join programs
        on town_program_years.program_code = programs.program_code
    inner join towns
        on town_program_years.town_key = towns.town_key
    where not towns.is_special
    group by town_program_years.town_key, programs.program_family, town_program_years.calendar_year

),

cells as (

    select
        *,
        case when enrolments_lower = enrolments_upper then enrolments_lower end as enrolments

    from family_years

),

-- Two published groups overlap: the towns of one family in a year (their total is the state's, as the town
-- counts publish it) and the families of one town in a year (their total is the town's enrolments).
suppressed as (

    {{ suppress_cells(
        'cells',
        lower_column='enrolments_lower',
        cell_id=['town_key', 'program_family', 'calendar_year'],
        group_by=[
            ['program_family', 'calendar_year'],
            ['town_key', 'calendar_year'],
        ],
    ) }}

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
        is_primary_suppressed,
        is_complementary_suppressed,
        {{ mask_if_suppressed('enrolments') }} as enrolments,
        {{ mask_if_suppressed('enrolments_lower') }} as enrolments_lower,
        {{ mask_if_suppressed('enrolments_upper') }} as enrolments_upper

    from suppressed

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
        {{ masked_change_columns('published', 'year_over_year') }},

        -- booleans
        published.is_suppressed,
        published.is_primary_suppressed,
        published.is_complementary_suppressed,
        coalesce(year_over_year.is_prior_suppressed, true) or published.is_suppressed as is_yoy_change_masked,
        published.has_methodology_break,
        published.is_synthetic

    from published
    inner join towns
        on published.town_key = towns.town_key
    left join year_over_year
        on
            published.town_key = year_over_year.town_key
            and published.program_family = year_over_year.program_family
            and published.calendar_year = year_over_year.calendar_year

)

select * from final
