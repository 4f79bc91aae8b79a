with

participation_bounded as (

    select * from {{ ref('int_participation_bounded') }}

),

final as (

    select
        -- ids
        dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        program_code,
        assistance_type_code,
        race_key,
        town_key,

        -- strings
        quarantine_reason,
        program_as_published,
        race_as_published,
        town_as_published,
        medical_benefit_plan,
        period_as_published,
        count_as_published,

        -- booleans
        is_synthetic,

        -- timestamps
        source_rows_updated_at,
        loaded_at

    from participation_bounded
    where is_quarantined

)

select * from final
