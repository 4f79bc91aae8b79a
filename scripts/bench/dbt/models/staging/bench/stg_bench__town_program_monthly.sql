-- One row per town, assistance type and month of the benchmark table, in the style of the project's staging
-- models: names folded and mapped through the alias seeds (an unmapped name keeps its row under the unmapped
-- key), counts parsed by the project's count macros (an invalid count is never coerced), months parsed.
with

source as (

    select * from {{ source('bench', 'town_program_monthly') }}

),

town_aliases as (

    select * from {{ ref('town_aliases') }}

),

program_aliases as (

    select * from {{ ref('program_aliases') }}

),

renamed as (

    select
        -- ids
        _source_row_id as source_row_id,
        _source_dataset_id as source_dataset_id,
        _load_id as load_id,

        -- strings
        town as town_as_published,
        {{ normalize_name('town') }} as town_alias_key,
        program as program_as_published,
        {{ normalize_name('program') }} as program_alias_key,
        month as month_as_published,
        count as count_as_published,
        {{ count_text('count') }} as count_text,

        -- booleans
        _is_synthetic as is_synthetic,

        -- timestamps
        _source_rows_updated_at as source_rows_updated_at,
        _loaded_at as loaded_at

    from source

),

parsed as (

    select
        *,
        cast(
            {{ dbt.date_trunc('month', try_cast('trim(month_as_published)', dbt.type_timestamp())) }} as date
        ) as month_start_date,
        {{ count_issue('count_text') }} as count_issue,
        {{ count_value('count_text') }} as recipient_count

    from renamed

),

final as (

    select
        -- ids
        parsed.source_row_id,
        parsed.source_dataset_id,
        parsed.load_id,
        coalesce(town_aliases.town_key, '__unmapped__') as town_key,
        coalesce(program_aliases.program_code, '__UNMAPPED__') as program_code,

        -- strings
        parsed.town_as_published,
        parsed.program_as_published,
        parsed.month_as_published,
        parsed.count_as_published,
        parsed.count_issue,
        case when parsed.month_start_date is null then 'invalid_month' end as period_issue,

        -- numerics
        parsed.recipient_count,

        -- booleans
        parsed.is_synthetic,

        -- dates
        parsed.month_start_date,

        -- timestamps
        parsed.source_rows_updated_at,
        parsed.loaded_at

    from parsed
    left join town_aliases
        on parsed.town_alias_key = town_aliases.alias_key
    left join program_aliases
        on parsed.program_alias_key = program_aliases.alias_key

)

select * from final
