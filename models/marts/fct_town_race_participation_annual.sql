with

participation_bounded as (

    select * from {{ ref('int_town_race_annual_bounded') }}

),

-- Quarantined rows (see qa_quarantined_rows), among them rows whose race no alias maps, are the only rows
-- left out.
final as (

    select
        -- ids
        town_key,
        race_key,
        calendar_year,

        {{ participation_fact_columns() }}

    from participation_bounded
    where fact_series = 'town_race_annual' and not is_quarantined

)

select * from final
