with

town_program_years as (

    select * from {{ ref('int_town_program_years_ranked') }}

),

-- One row per town, program and year across every township dataset: where two datasets publish the same cell,
-- only the one chosen by the rule in int_town_program_years_ranked is here (the others are listed in
-- qa_superseded_rows). Quarantined rows (see qa_quarantined_rows) are left out too.
final as (

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

)

select * from final
