{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **replace_partitions_config('month_start_date'),
    )
}}

with

assistance_participation as (

    select * from {{ ref('fct_town_assistance_participation_monthly') }}

),

town_population as (

    select * from {{ ref('int_town_population_by_year') }}

),

-- Each month's rows are sums of that month's codes only, so an incremental run aggregates just the months it
-- rebuilds: those of the refresh window and any month landed again (see the macro months_to_rebuild).
{{ months_to_rebuild(
    'assistance_participation', is_incremental(), ref('fct_town_assistance_participation_monthly')
) }},

-- Enrolments: the counts of a program's TOA codes summed within the town and month. A person served under two
-- codes of one program in a month counts twice, so this is not a count of people. Bounds add up; the point
-- value is set only when every code's count is exact. The methodology events of a row depend on its program,
-- month and town kind only, so every code of a program in a month carries the same keys.
rolled_up as (

    select
        -- ids
        town_key,
        program_code,
        month_start_date,

        -- counts
        cast(count(*) as {{ dbt.type_int() }}) as assistance_type_count,
        cast(
            sum(case when is_suppressed_at_source then 1 else 0 end) as {{ dbt.type_int() }}
        ) as assistance_types_suppressed_at_source,
        cast(
            case
                when sum(recipient_count_lower) = sum(recipient_count_upper)
                    then sum(recipient_count_lower)
            end as {{ dbt.type_bigint() }}
        ) as enrolments,
        cast(sum(recipient_count_lower) as {{ dbt.type_bigint() }}) as enrolments_lower,
        cast(sum(recipient_count_upper) as {{ dbt.type_bigint() }}) as enrolments_upper,

        -- methodology
        {{ dbt.bool_or('has_methodology_break') }} as has_methodology_break,
        max(methodology_event_keys) as methodology_event_keys,
        {{ dbt.bool_or('has_restatement') }} as has_restatement,
        {{ dbt.bool_or('has_definition_change') }} as has_definition_change,
        {{ dbt.bool_or('has_address_logic_change') }} as has_address_logic_change,
        {{ dbt.bool_or('has_reclassification') }} as has_reclassification,

        -- lineage
        source_dataset_id,
        {{ ordered_listagg('source_row_id', "', '", 'source_row_id') }} as source_row_ids,
        max(load_id) as load_id,
        max(source_rows_updated_at) as source_rows_updated_at,
        max(loaded_at) as loaded_at,
        {{ dbt.bool_or('is_synthetic') }} as is_synthetic

    from rows_to_build
    group by town_key, program_code, month_start_date, source_dataset_id

),

-- A month's rates divide by the town's population of its calendar year: there is none for Unknown, Out of
-- State and the years no population series serves, and so no rate.
final as (

    select
        rolled_up.*,

        -- rates
        town_population.population,
        town_population.population_vintage,
        {{ rate_per_1000_columns(
            'rolled_up.enrolments',
            'rolled_up.enrolments_lower',
            'rolled_up.enrolments_upper',
            'town_population.population',
        ) }}

    from rolled_up
    left join town_population
        on
            rolled_up.town_key = town_population.town_key
            and extract(year from rolled_up.month_start_date) = town_population.calendar_year

)

select * from final
