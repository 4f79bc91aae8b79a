-- Incremental by calendar year: a new publication changes a few months, and every published value of a year
-- depends on that year's cells only (both suppression groups lie within one year), so a run rebuilds
-- the years whose cells changed and the year after each (its changes and averages reach twelve months back).
{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **replace_partitions_config('calendar_year'),
    )
}}

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
        max(town_program_months.load_id) as load_id,
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

family_years as (

    select
        *,
        cast(extract(year from month_start_date) as {{ dbt.type_int() }}) as calendar_year

    from family_months

),

{% if is_incremental() -%}
-- The cells whose rows were landed again (a new latest load) or that are new, and the table's cells that are
-- gone: the years they fall in are rebuilt, and the year after each.
changed_cells as (

    select family_years.calendar_year

    from family_years
    left join {{ this }} as built
        on
            family_years.town_key = built.town_key
            and family_years.program_family = built.program_family
            and family_years.month_start_date = built.month_start_date
            and family_years.load_id = built.load_id
    where built.town_key is null

    union all

    select built.calendar_year

    from {{ this }} as built
    left join family_years
        on
            built.town_key = family_years.town_key
            and built.program_family = family_years.program_family
            and built.month_start_date = family_years.month_start_date
    where family_years.town_key is null

),

years_to_build as (

    select calendar_year from changed_cells

    union

    select calendar_year + 1 as calendar_year from changed_cells

),

{% endif -%}
cells as (

    select
        *,
        case when enrolments_lower = enrolments_upper then enrolments_lower end as enrolments

    from family_years
    {%- if is_incremental() %}
    -- The year before each year built is computed again too, for the changes and averages to read.
    where
        calendar_year in (select years_to_build.calendar_year from years_to_build)
        or calendar_year + 1 in (select years_to_build.calendar_year from years_to_build)
    {%- endif %}

),

-- Two published groups overlap: the months of one town's family in a calendar year (their total is the sum a
-- reader forms), and the towns of one family in a month (their total is the state's). Complementary
-- suppression repeats until neither has a group with exactly one masked cell. The month's group names its
-- year too (a month lies in one year), so that a family's year settles on its own: suppression never reaches
-- across years, which is what lets a run rebuild only some of them.
suppressed as (

    {{ suppress_cells(
        'cells',
        lower_column='enrolments_lower',
        cell_id=['town_key', 'program_family', 'month_start_date'],
        group_by=[
            ['town_key', 'program_family', 'calendar_year'],
            ['program_family', 'month_start_date', 'calendar_year'],
        ],
    ) }}

),

published as (

    select
        town_key,
        program_family,
        month_start_date,
        calendar_year,
        load_id,
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
        published.load_id,

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
    {%- if is_incremental() %}
    where published.calendar_year in (select years_to_build.calendar_year from years_to_build)
    {%- endif %}

)

select * from final
