-- Returns the rows that show one town's count for a program and year above anything the statewide count of
-- that program and year can be.
--
-- Why not the sum of the towns: since 2019-01-16 the township counts count a recipient in every town they
-- lived in during the year, so the towns of one program-year can add up to more than the statewide count, by
-- an amount nothing published bounds (it depends on how many recipients moved, and how often). That test
-- cannot hold. What always holds is that each single town's count is at most the statewide count: everyone
-- counted in a town was a recipient in the state. Compared on bounds: the town's lower bound against the
-- statewide upper bound, taken from the annual fact when it has the year, else from the monthly fact as the
-- sum of the twelve months' upper bounds over every plan (a year's recipients are the union of its months'
-- recipients, so no more than that sum). Program-years with neither are not compared.
with

town_participation as (

    select * from {{ ref('fct_town_program_participation_annual') }}

),

annual as (

    select * from {{ ref('fct_program_participation_annual') }}

),

monthly as (

    select * from {{ ref('fct_program_participation_monthly') }}

),

monthly_year_upper as (

    select
        program_code,
        cast(extract(year from month_start_date) as {{ dbt.type_int() }}) as calendar_year,
        count(distinct month_start_date) as months_published,
        sum(recipient_count_upper) as statewide_upper

    from monthly
    group by 1, 2

),

statewide_upper as (

    select
        coalesce(annual.program_code, monthly_year_upper.program_code) as program_code,
        coalesce(annual.calendar_year, monthly_year_upper.calendar_year) as calendar_year,
        coalesce(annual.recipient_count_upper, monthly_year_upper.statewide_upper) as statewide_upper

    from annual
    full outer join monthly_year_upper
        on
            annual.program_code = monthly_year_upper.program_code
            and annual.calendar_year = monthly_year_upper.calendar_year
    where annual.recipient_count_upper is not null or monthly_year_upper.months_published = 12

),

final as (

    select
        town_participation.town_key,
        town_participation.program_code,
        town_participation.calendar_year,
        town_participation.recipient_count_lower as town_lower,
        statewide_upper.statewide_upper

    from town_participation
    inner join statewide_upper
        on
            town_participation.program_code = statewide_upper.program_code
            and town_participation.calendar_year = statewide_upper.calendar_year
    where town_participation.recipient_count_lower > statewide_upper.statewide_upper

)

select * from final
