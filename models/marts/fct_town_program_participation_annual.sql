with

town_program_years as (

    select * from {{ ref('int_town_program_years_ranked') }}

),

town_population as (

    select * from {{ ref('int_town_population_by_year') }}

),

-- One row per town, program and year across every township dataset: where two datasets publish the same cell,
-- only the one chosen by the rule in int_town_program_years_ranked is here (the others are listed in
-- qa_superseded_rows). Quarantined rows (see qa_quarantined_rows) are left out too.
chosen as (

    select
        -- ids
        town_key,
        program_code,
        calendar_year,

        {{ participation_fact_columns() }},

        -- numerics
        cast(covering_row_count as {{ dbt.type_int() }}) as covering_dataset_count

    from town_program_years
    where is_chosen

),

-- The rates divide by the town's population of the year: there is none for Unknown, Out of State and the
-- years no population series serves, and so no rate.
final as (

    select
        chosen.*,

        -- rates
        town_population.population,
        town_population.population_vintage,
        {{ rate_per_1000_columns(
            'chosen.recipient_count',
            'chosen.recipient_count_lower',
            'chosen.recipient_count_upper',
            'town_population.population',
        ) }}

    from chosen
    left join town_population
        on
            chosen.town_key = town_population.town_key
            and chosen.calendar_year = town_population.calendar_year

)

select * from final
