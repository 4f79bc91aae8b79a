with

participation_bounded as (

    select * from {{ ref('int_participation_bounded') }}

),

-- Every month of every calendar year from the first to the last year with published data (200 years at most).
year_range as (

    select
        min(calendar_year) as first_year,
        max(calendar_year) as last_year

    from participation_bounded
    where not is_quarantined

),

month_offsets as (

    {{ dbt.generate_series(2400) }}

),

months as (

    select
        cast(
            {{ dbt.dateadd('month', 'month_offsets.generated_number - 1',
                           date_from_parts('year_range.first_year', 1, 1)) }} as date
        ) as month_start_date

    from year_range
    cross join month_offsets
    where month_offsets.generated_number <= (year_range.last_year - year_range.first_year + 1) * 12

),

monthly_months as (

    select distinct month_start_date

    from participation_bounded
    where fact_series = 'program_monthly' and not is_quarantined

),

calendar as (

    select
        months.month_start_date,
        cast({{ dbt.last_day('months.month_start_date', 'month') }} as date) as month_end_date,
        cast(extract(year from months.month_start_date) as {{ dbt.type_int() }}) as calendar_year,
        cast(extract(month from months.month_start_date) as {{ dbt.type_int() }}) as month_of_year,
        monthly_months.month_start_date is not null as has_monthly_data

    from months
    left join monthly_months
        on months.month_start_date = monthly_months.month_start_date

),

-- The Connecticut state fiscal year runs from July to June and is named for the calendar year it ends in:
-- SFY 2022 is July 2021 to June 2022.
fiscal as (

    select
        *,
        case when month_of_year >= 7 then calendar_year + 1 else calendar_year end as state_fiscal_year,
        case
            when month_of_year >= 7 then month_of_year - 6 else month_of_year + 6
        end as month_of_state_fiscal_year

    from calendar

),

final as (

    select
        -- dates
        month_start_date,
        month_end_date,

        -- numerics
        calendar_year,
        cast(floor((month_of_year - 1) / 3.0) + 1 as {{ dbt.type_int() }}) as calendar_quarter,
        month_of_year,
        cast(state_fiscal_year as {{ dbt.type_int() }}) as state_fiscal_year,
        cast(
            floor((month_of_state_fiscal_year - 1) / 3.0) + 1 as {{ dbt.type_int() }}
        ) as state_fiscal_quarter,
        cast(month_of_state_fiscal_year as {{ dbt.type_int() }}) as month_of_state_fiscal_year,

        -- strings
        case month_of_year
            when 1 then 'January'
            when 2 then 'February'
            when 3 then 'March'
            when 4 then 'April'
            when 5 then 'May'
            when 6 then 'June'
            when 7 then 'July'
            when 8 then 'August'
            when 9 then 'September'
            when 10 then 'October'
            when 11 then 'November'
            when 12 then 'December'
        end as month_name,
        {{ dbt.concat([
            dbt.cast('calendar_year', dbt.type_string()),
            "'-'",
            "lpad(" ~ dbt.cast('month_of_year', dbt.type_string()) ~ ", 2, '0')",
        ]) }} as month_label,
        {{ dbt.concat([
            "'SFY '",
            dbt.cast('state_fiscal_year', dbt.type_string()),
        ]) }} as state_fiscal_year_label,

        -- booleans
        has_monthly_data

    from fiscal

)

select * from final
