with

town_program_annual as (

    select * from {{ ref('int_town_program_annual_bounded') }}

),

town_assistance_annual as (

    select * from {{ ref('int_town_assistance_annual_bounded') }}

),

-- The kinds whose registry series is town_program_annual, each from its own bounded model (not the view over
-- every kind), so that the publications of other kinds do not rebuild the series.
participation_bounded as (

    select * from town_program_annual
    union all
    select * from town_assistance_annual

),

-- Every dataset of the town x program x year series (the per-year township counts and the multi-year town
-- x assistance type dataset) may publish the same town, program and year. The rule: the row from the
-- dataset whose data was updated last (`source_rows_updated_at`, its rowsUpdatedAt) wins, because DSS
-- restates earlier years in later publications; on a tie, the dataset with the lower 4x4 id. Quarantined
-- rows take no part.
ranked as (

    select
        *,
        row_number() over (
            partition by town_key, program_code, calendar_year
            order by source_rows_updated_at desc, source_dataset_id asc, source_row_id asc
        ) as source_rank,
        count(*) over (
            partition by town_key, program_code, calendar_year
        ) as covering_row_count

    from participation_bounded
    where fact_series = 'town_program_annual' and not is_quarantined

),

chosen as (

    select
        town_key,
        program_code,
        calendar_year,
        source_dataset_id as chosen_source_dataset_id

    from ranked
    where source_rank = 1

),

final as (

    select
        ranked.*,
        ranked.source_rank = 1 as is_chosen,
        chosen.chosen_source_dataset_id

    from ranked
    inner join chosen
        on
            ranked.town_key = chosen.town_key
            and ranked.program_code = chosen.program_code
            and ranked.calendar_year = chosen.calendar_year

)

select * from final
