-- Returns the rows that show a program and calendar year whose annual count cannot be as large as one of
-- its monthly counts. Everyone counted in a month of the year was a recipient in that year, so the annual
-- count is at least the largest monthly count of any plan of the program. Compared on bounds (a published 0
-- is 0 to 4): the annual upper bound must reach the largest monthly lower bound.
with

annual as (

    select * from {{ ref('fct_program_participation_annual') }}

),

monthly as (

    select * from {{ ref('fct_program_participation_monthly') }}

),

largest_monthly as (

    select
        program_code,
        cast(extract(year from month_start_date) as {{ dbt.type_int() }}) as calendar_year,
        max(recipient_count_lower) as largest_monthly_lower

    from monthly
    group by 1, 2

),

final as (

    select
        annual.program_code,
        annual.calendar_year,
        annual.recipient_count_upper as annual_upper,
        largest_monthly.largest_monthly_lower

    from annual
    inner join largest_monthly
        on
            annual.program_code = largest_monthly.program_code
            and annual.calendar_year = largest_monthly.calendar_year
    where annual.recipient_count_upper < largest_monthly.largest_monthly_lower

)

select * from final
