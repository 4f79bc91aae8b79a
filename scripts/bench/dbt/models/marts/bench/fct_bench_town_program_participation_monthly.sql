{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month_start_date',
        on_schema_change='fail',
    )
}}

-- One row per town, program and month of the benchmark table. Like fct_program_participation_monthly, an
-- incremental run rebuilds whole months: the last refresh_window_months months already built and any newer
-- month. dbt_invocation_id records the run that wrote each row, so the benchmark can count the rows an
-- incremental run rewrote.
with

participation as (

    select * from {{ ref('int_bench_town_participation_bounded') }}
    {% if is_incremental() %}
        -- The window's first month is read before the query runs and compared with the served month text
        -- (ISO text sorts as the month does), so DuckDB skips the raw table's older row groups outright.
        where month_as_published >= '{{ bench_window_start(this, "month_start_date") }}'
    {% endif %}

),

final as (

    select
        -- ids
        town_key,
        program_code,
        month_start_date,

        -- counts
        count_as_published,
        recipient_count,
        recipient_count_lower,
        recipient_count_upper,
        is_suppressed_at_source,

        -- methodology
        has_methodology_break,
        has_town_distribution_break,

        -- lineage
        source_dataset_id,
        source_row_id,
        load_id,
        source_rows_updated_at,
        is_synthetic,
        '{{ invocation_id }}' as dbt_invocation_id

    from participation
    where quarantine_reason is null

)

select * from final
