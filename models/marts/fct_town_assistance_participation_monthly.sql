with

participation_bounded as (

    select * from {{ ref('int_town_assistance_monthly_bounded') }}

),

-- Quarantined rows (see qa_quarantined_rows), among them rows whose TOA code the seed assistance_types does
-- not know, are the only rows left out.
final as (

    select
        -- ids
        town_key,
        assistance_type_code,
        program_code,
        medical_benefit_plan,
        month_start_date,

        {{ participation_fact_columns() }}

    from participation_bounded
    where fact_series = 'town_assistance_monthly' and not is_quarantined

)

select * from final
