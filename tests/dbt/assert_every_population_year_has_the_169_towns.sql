-- Returns the rows that describe a year of the rates' population without exactly the 169 towns, or with
-- figures from more than one series.
with

town_population as (

    select * from {{ ref('int_town_population_by_year') }}

),

years as (

    select
        calendar_year,
        count(*) as town_rows,
        count(distinct town_key) as towns,
        count(distinct population_vintage) as vintages

    from town_population
    group by calendar_year

)

select * from years
where town_rows != 169 or towns != 169 or vintages != 1
