with

participation_bounded as (

    select * from {{ ref('int_program_annual_bounded') }}

),

-- Quarantined rows (see qa_quarantined_rows) are the only rows left out.
final as (

    select
        -- ids
        program_code,
        calendar_year,

        {{ participation_fact_columns() }}

    from participation_bounded
    where fact_series = 'program_annual' and not is_quarantined

)

select * from final
