with

snapshot_versions as (

    select * from {{ ref('snp_program_participation_monthly') }}

),

versions as (

    select
        program_code,
        medical_benefit_plan,
        month_start_date,
        recipient_count,
        source_rows_updated_at,
        load_id,
        is_synthetic,
        dbt_valid_from,
        lag(recipient_count) over (
            partition by program_code, medical_benefit_plan, month_start_date
            order by dbt_valid_from
        ) as previous_recipient_count,
        lag(source_rows_updated_at) over (
            partition by program_code, medical_benefit_plan, month_start_date
            order by dbt_valid_from
        ) as previous_source_rows_updated_at,
        lag(load_id) over (
            partition by program_code, medical_benefit_plan, month_start_date
            order by dbt_valid_from
        ) as previous_load_id,
        row_number() over (
            partition by program_code, medical_benefit_plan, month_start_date
            order by dbt_valid_from
        ) as version_number

    from snapshot_versions

),

final as (

    select
        -- ids
        program_code,
        medical_benefit_plan,
        month_start_date,
        cast(version_number - 1 as {{ dbt.type_int() }}) as revision_number,
        previous_load_id as old_load_id,
        load_id as new_load_id,

        -- numerics
        previous_recipient_count as old_recipient_count,
        recipient_count as new_recipient_count,
        recipient_count - previous_recipient_count as recipient_count_change,

        -- booleans
        is_synthetic,

        -- timestamps
        previous_source_rows_updated_at as old_source_rows_updated_at,
        source_rows_updated_at as new_source_rows_updated_at,
        dbt_valid_from as revision_recorded_at

    from versions
    where version_number > 1

)

select * from final
