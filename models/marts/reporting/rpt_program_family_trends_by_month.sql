with

monthly_participation as (

    select * from {{ ref('fct_program_participation_monthly') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

-- Enrolments: the program-level monthly counts summed within the family. A person enrolled in two programs
-- (or two plans) of one family in a month is counted twice, so this is not a count of people.
family_months as (

    select
        programs.program_family,
        monthly_participation.month_start_date,
        count(*) as cell_count,
        sum(monthly_participation.recipient_count_lower) as enrolments_lower,
        sum(monthly_participation.recipient_count_upper) as enrolments_upper,
        {{ dbt.bool_or('monthly_participation.has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or('monthly_participation.is_synthetic') }} as is_synthetic

    from monthly_participation
    left join programs
        on monthly_participation.program_code = programs.program_code
    group by 1, 2

),

cells as (

    select
        *,
        cast(extract(year from month_start_date) as {{ dbt.type_int() }}) as calendar_year,
        case when enrolments_lower = enrolments_upper then enrolments_lower end as enrolments

    from family_months

),

-- The months of one family's calendar year are the published group: their total (twelve times the December
-- 12-month average) is the natural sum a reader would form.
suppressed as (

    {{ suppress_cells(
        'cells',
        lower_column='enrolments_lower',
        cell_id=['program_family', 'month_start_date'],
        group_by=[['program_family', 'calendar_year']],
    ) }}

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
        published.is_primary_suppressed,
        published.is_complementary_suppressed,
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
