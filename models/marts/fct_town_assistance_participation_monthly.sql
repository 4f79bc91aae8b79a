{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **replace_partitions_config('month_start_date'),
    )
}}

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

),

-- An incremental run rebuilds whole months: those of the refresh window and any month landed again (see the
-- macro months_to_rebuild); an empty table rebuilds everything.
{{ months_to_rebuild('final', is_incremental(), ref('int_town_assistance_monthly_bounded')) }}

select * from rows_to_build
