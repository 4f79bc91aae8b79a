-- Returns the rows that show a town, program and year of the town series counted other than once: a cell
-- that some township dataset publishes (unquarantined) but the fact lacks or holds more than once, or a fact
-- row that is not from the most recently updated dataset publishing the cell (the fact's documented rule).
with

participation as (

    select * from {{ ref('int_participation_bounded') }}

),

town_program_years as (

    select * from {{ ref('fct_town_program_participation_annual') }}

),

published_cells as (

    select
        town_key,
        program_code,
        calendar_year,
        count(*) as publishing_rows,
        max(source_rows_updated_at) as latest_vintage

    from participation
    where fact_series = 'town_program_annual' and not is_quarantined
    group by town_key, program_code, calendar_year

),

fact_cells as (

    select
        town_key,
        program_code,
        calendar_year,
        count(*) as fact_rows,
        max(source_rows_updated_at) as chosen_vintage,
        max(covering_dataset_count) as covering_dataset_count

    from town_program_years
    group by town_key, program_code, calendar_year

),

final as (

    select
        published_cells.town_key,
        published_cells.program_code,
        published_cells.calendar_year,
        published_cells.publishing_rows,
        fact_cells.fact_rows,
        published_cells.latest_vintage,
        fact_cells.chosen_vintage

    from published_cells
    left join fact_cells
        on
            published_cells.town_key = fact_cells.town_key
            and published_cells.program_code = fact_cells.program_code
            and published_cells.calendar_year = fact_cells.calendar_year
    where
        coalesce(fact_cells.fact_rows, 0) != 1
        or fact_cells.chosen_vintage != published_cells.latest_vintage
        or fact_cells.covering_dataset_count != published_cells.publishing_rows

)

select * from final
