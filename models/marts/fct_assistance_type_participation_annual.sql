with

participation_bounded as (

    select * from {{ ref('int_assistance_annual_bounded') }}

),

-- Quarantined rows (see qa_quarantined_rows) are the only rows left out.
final as (

    select
        -- ids
        program_code,
        calendar_year,
        program_as_published as assistance_type_as_published,

        {{ participation_fact_columns() }}

    from participation_bounded
    where fact_series = 'assistance_type_annual' and not is_quarantined

)

select * from final
