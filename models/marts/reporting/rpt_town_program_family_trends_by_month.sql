-- Incremental by calendar year: a new publication changes a few months, and every published value of a year
-- depends on that year's cells only (a cell's suppression depends on that cell alone), so a run rebuilds
-- the years whose cells changed and the year after each (its changes and averages reach twelve months back).
{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **replace_partitions_config('calendar_year'),
    )
}}

with

family_years as (

    select * from {{ ref('int_town_program_family_monthly_suppressed') }}

),

towns as (

    select * from {{ ref('dim_town') }}

),

town_population as (

    select * from {{ ref('int_town_population_by_year') }}

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

    select * from family_years
    {%- if is_incremental() %}
    -- The year before each year built is computed again too, for the changes and averages to read.
    where
        calendar_year in (select years_to_build.calendar_year from years_to_build)
        or calendar_year + 1 in (select years_to_build.calendar_year from years_to_build)
    {%- endif %}

),

-- Only the cells below the threshold are masked: no sum of these cells is published (see the model).
suppression_result as (

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
        point_value as enrolments,
        lower_bound as enrolments_lower,
        upper_bound as enrolments_upper

    from cells

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
        {{ mask_if_suppressed('enrolments') }} as enrolments,
        {{ mask_if_suppressed('enrolments_lower') }} as enrolments_lower,
        {{ mask_if_suppressed('enrolments_upper') }} as enrolments_upper

    from suppression_result

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
        {{ published_rate_columns('published', 'enrolments', 'town_population') }},
        {{ masked_change_columns('published', 'year_over_year') }},
        {{ masked_average_columns('trailing_year', 12) }},

        -- booleans
        published.is_suppressed,
        coalesce(year_over_year.is_prior_suppressed, true) or published.is_suppressed as is_yoy_change_masked,
        coalesce(trailing_year.periods_in_window, 0) < 12
        or trailing_year.suppressed_periods_in_window > 0 as is_12_month_average_masked,
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
