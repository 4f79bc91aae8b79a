with

town_program_months as (

    select * from {{ ref('fct_town_program_participation_monthly') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

towns as (

    select * from {{ ref('dim_town') }}

),

-- Enrolments: the town's program-level monthly enrolments (themselves sums of TOA codes) summed within the
-- family. A person in two programs or codes of one family in a month counts twice: not a count of people.
-- Towns only: Unknown and Out of State are not places.
family_months as (

    select
        town_program_months.town_key,
        programs.program_family,
        town_program_months.month_start_date,
        count(*) as cell_count,
        sum(town_program_months.enrolments_lower) as enrolments_lower,
        sum(town_program_months.enrolments_upper) as enrolments_upper,
        {{ dbt.bool_or('town_program_months.has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or('town_program_months.is_synthetic') }} as is_synthetic

    from town_program_months
    inner join programs
        on town_program_months.program_code = programs.program_code
    inner join towns
        on town_program_months.town_key = towns.town_key
    where not towns.is_special
    group by town_program_months.town_key, programs.program_family, town_program_months.month_start_date

),

cells as (

    select
        *,
        cast(extract(year from month_start_date) as {{ dbt.type_int() }}) as calendar_year,
        case when enrolments_lower = enrolments_upper then enrolments_lower end as enrolments

    from family_months

),

-- Two published groups overlap: the months of one town's family in a calendar year (their total is the sum a
-- reader forms), and the towns of one family in a month (their total is the state's). Complementary
-- suppression repeats until neither has a group with exactly one masked cell.
suppressed as (

    {{ suppress_cells(
        'cells',
        lower_column='enrolments_lower',
        cell_id=['town_key', 'program_family', 'month_start_date'],
        group_by=[
            ['town_key', 'program_family', 'calendar_year'],
            ['program_family', 'month_start_date'],
        ],
    ) }}

),

published as (

    select
        town_key,
        program_family,
        month_start_date,
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

-- A change or an average is published only when every month it uses is published (and, for the point value,
-- exact); a missing month counts as masked.
year_over_year as (

    {{ prior_period_values(
        'published',
        keys=['town_key', 'program_family'],
        period_column='month_start_date',
        prior_period="cast(" ~ dbt.dateadd('month', -12, 'current_cell.month_start_date') ~ " as date)",
    ) }}

),

trailing_year as (

    {{ trailing_window_values(
        'published',
        keys=['town_key', 'program_family'],
        period_column='month_start_date',
        periods=12,
    ) }}

),

final as (

    select
        -- ids
        published.town_key,
        published.program_family,
        published.month_start_date,
        towns.county_fips,
        towns.planning_region_fips,

        -- strings
        towns.town_name,
        towns.county_name,
        towns.planning_region_name,

        -- numerics
        published.calendar_year,
        cast(published.cell_count as {{ dbt.type_int() }}) as program_count,
        cast(published.enrolments as {{ dbt.type_bigint() }}) as enrolments,
        cast(published.enrolments_lower as {{ dbt.type_bigint() }}) as enrolments_lower,
        cast(published.enrolments_upper as {{ dbt.type_bigint() }}) as enrolments_upper,
        {{ masked_change_columns('published', 'year_over_year') }},
        {{ masked_average_columns('trailing_year', 12) }},

        -- booleans
        published.is_suppressed,
        published.is_primary_suppressed,
        published.is_complementary_suppressed,
        coalesce(year_over_year.is_prior_suppressed, true) or published.is_suppressed as is_yoy_change_masked,
        coalesce(trailing_year.periods_in_window, 0) < 12
        or trailing_year.suppressed_periods_in_window > 0 as is_12_month_average_masked,
        published.has_methodology_break,
        published.is_synthetic

    from published
    inner join towns
        on published.town_key = towns.town_key
    left join year_over_year
        on
            published.town_key = year_over_year.town_key
            and published.program_family = year_over_year.program_family
            and published.month_start_date = year_over_year.month_start_date
    left join trailing_year
        on
            published.town_key = trailing_year.town_key
            and published.program_family = trailing_year.program_family
            and published.month_start_date = trailing_year.month_start_date

)

select * from final
