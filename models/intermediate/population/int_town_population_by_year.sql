with

town_population as (

    select * from {{ ref('ct_town_population') }}

),

population_series as (

    select * from {{ ref('population_series') }}

),

towns as (

    select * from {{ ref('ct_towns') }}

),

-- Each year takes its figures from the one series the rule in population_series names for it, so the towns of
-- a year never mix vintages.
serving_figures as (

    select
        town_population.town_fips_2022,
        town_population.year as calendar_year,
        town_population.population,
        town_population.source as population_source,
        town_population.vintage as population_vintage

    from town_population
    inner join population_series
        on
            town_population.source = population_series.source
            and town_population.vintage = population_series.vintage
            and town_population.year between population_series.first_year and population_series.last_year

),

final as (

    select
        -- ids
        towns.town_key,
        serving_figures.calendar_year,

        -- numerics
        cast(serving_figures.population as {{ dbt.type_bigint() }}) as population,

        -- strings
        serving_figures.population_source,
        serving_figures.population_vintage

    from serving_figures
    inner join towns
        on serving_figures.town_fips_2022 = towns.town_fips_2022

)

select * from final
