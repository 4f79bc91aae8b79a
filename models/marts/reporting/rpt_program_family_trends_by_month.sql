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

    select
        current_month.program_family,
        current_month.month_start_date,
        prior_month.is_suppressed as is_prior_suppressed,
        prior_month.enrolments as prior_enrolments,
        prior_month.enrolments_lower as prior_enrolments_lower,
        prior_month.enrolments_upper as prior_enrolments_upper

    from published as current_month
    left join published as prior_month
        on
            current_month.program_family = prior_month.program_family
            and cast({{ dbt.dateadd('month', -12, 'current_month.month_start_date') }} as date)
            = prior_month.month_start_date

),

trailing_year as (

    select
        current_month.program_family,
        current_month.month_start_date,
        count(*) as months_in_window,
        sum(case when window_month.is_suppressed then 1 else 0 end) as suppressed_months_in_window,
        sum(case when window_month.enrolments is null then 1 else 0 end) as inexact_months_in_window,
        avg(window_month.enrolments) as enrolments_average,
        avg(window_month.enrolments_lower) as enrolments_average_lower,
        avg(window_month.enrolments_upper) as enrolments_average_upper

    from published as current_month
    inner join published as window_month
        on
            current_month.program_family = window_month.program_family
            and current_month.month_start_date >= window_month.month_start_date
            and cast({{ dbt.dateadd('month', -12, 'current_month.month_start_date') }} as date)
            < window_month.month_start_date
    group by 1, 2

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
        cast(
            published.enrolments - year_over_year.prior_enrolments as {{ dbt.type_bigint() }}
        ) as enrolments_yoy_change,
        cast(
            published.enrolments_lower - year_over_year.prior_enrolments_upper as {{ dbt.type_bigint() }}
        ) as enrolments_yoy_change_lower,
        cast(
            published.enrolments_upper - year_over_year.prior_enrolments_lower as {{ dbt.type_bigint() }}
        ) as enrolments_yoy_change_upper,
        cast(
            {{ safe_divide(
                'published.enrolments - year_over_year.prior_enrolments', 'year_over_year.prior_enrolments'
            ) }} as {{ dbt.type_numeric() }}
        ) as enrolments_yoy_change_ratio,
        cast(
            case
                when trailing_year.months_in_window = 12 and trailing_year.inexact_months_in_window = 0
                    then trailing_year.enrolments_average
            end as {{ dbt.type_numeric() }}
        ) as enrolments_12_month_average,
        cast(
            case
                when trailing_year.months_in_window = 12 and trailing_year.suppressed_months_in_window = 0
                    then trailing_year.enrolments_average_lower
            end as {{ dbt.type_numeric() }}
        ) as enrolments_12_month_average_lower,
        cast(
            case
                when trailing_year.months_in_window = 12 and trailing_year.suppressed_months_in_window = 0
                    then trailing_year.enrolments_average_upper
            end as {{ dbt.type_numeric() }}
        ) as enrolments_12_month_average_upper,

        -- booleans
        published.is_suppressed,
        published.is_primary_suppressed,
        published.is_complementary_suppressed,
        coalesce(year_over_year.is_prior_suppressed, true) or published.is_suppressed as is_yoy_change_masked,
        coalesce(trailing_year.months_in_window, 0) < 12
        or trailing_year.suppressed_months_in_window > 0 as is_12_month_average_masked,
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
