-- Every day of every month in dim_month: the calendar MetricFlow joins to for offsets and time grains.
-- Days are made from months (at most 31 a month) with dbt's cross-database macros, so the spine builds on
-- DuckDB and Spark alike and always covers the months the facts publish.
with

months as (

    select * from {{ ref('dim_month') }}

),

day_offsets as (

    {{ dbt.generate_series(31) }}

),

days as (

    select
        cast(
            {{ dbt.dateadd('day', 'day_offsets.generated_number - 1', 'months.month_start_date') }} as date
        ) as date_day,
        months.month_end_date

    from months
    cross join day_offsets

),

final as (

    select date_day

    from days
    where date_day <= month_end_date

)

select * from final
