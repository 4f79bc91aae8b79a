with

suppressed_cells as (

    select * from {{ ref('int_program_monthly_suppressed') }}

),

-- Enrolments: the program-level monthly counts summed within the family, suppressed together with the
-- program cells they add up. A person enrolled in two programs (or two plans) of one family in a month is
-- counted twice, so this is not a count of people.
suppression_result as (

    select
        program_family,
        month_start_date,
        calendar_year,
        cell_count,
        has_methodology_break,
        is_synthetic,
        is_suppressed,
        point_value as enrolments,
        lower_bound as enrolments_lower,
        upper_bound as enrolments_upper

    from suppressed_cells
    where item_kind = 'program_family'

),

published as (

    select
        program_family,
        month_start_date,
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

-- A change or an average is published only when every month it uses is published (and, for the point value,
-- exact); a missing month counts as masked.
year_over_year as (

    {{ prior_period_values(
        'published',
        keys=['program_family'],
        period_column='month_start_date',
        prior_period="cast(" ~ dbt.dateadd('month', -12, 'current_cell.month_start_date') ~ " as date)",
    ) }}

),

trailing_year as (

    {{ trailing_window_values(
        'published',
        keys=['program_family'],
        period_column='month_start_date',
        periods=12,
    ) }}

),

final as (

    select
        -- ids
        published.program_family,
        published.month_start_date,

        -- numerics
        published.calendar_year,
        cast(published.cell_count as {{ dbt.type_int() }}) as program_plan_count,
        cast(published.enrolments as {{ dbt.type_bigint() }}) as enrolments,
        cast(published.enrolments_lower as {{ dbt.type_bigint() }}) as enrolments_lower,
        cast(published.enrolments_upper as {{ dbt.type_bigint() }}) as enrolments_upper,
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
    left join year_over_year
        on
            published.program_family = year_over_year.program_family
            and published.month_start_date = year_over_year.month_start_date
    left join trailing_year
        on
            published.program_family = trailing_year.program_family
            and published.month_start_date = trailing_year.month_start_date

)

select * from final
