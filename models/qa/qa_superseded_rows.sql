with

town_program_years as (

    select * from {{ ref('int_town_program_years_ranked') }}

),

final as (

    select
        -- ids
        dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        town_key,
        program_code,
        calendar_year,
        chosen_source_dataset_id,

        -- strings
        count_as_published,

        -- booleans
        is_synthetic,

        -- timestamps
        source_rows_updated_at,
        loaded_at

    from town_program_years
    where not is_chosen

)

select * from final
