-- Returns the rows that give one year to two population series, or a series that ends before it starts.
with

population_series as (

    select * from {{ ref('population_series') }}

),

overlapping_series as (

    select
        earlier.vintage,
        later.vintage as overlapping_vintage,
        earlier.first_year,
        earlier.last_year

    from population_series as earlier
    inner join population_series as later
        on
            earlier.vintage < later.vintage
            and earlier.first_year <= later.last_year
            and earlier.last_year >= later.first_year

    union all

    select
        vintage,
        cast(null as {{ dbt.type_string() }}) as overlapping_vintage,
        first_year,
        last_year

    from population_series
    where last_year < first_year

)

select * from overlapping_series
