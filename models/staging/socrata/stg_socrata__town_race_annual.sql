with

source as (

    select * from {{ source('socrata', 'town_race_annual') }}

),

town_aliases as (

    select * from {{ ref('town_aliases') }}

),

race_aliases as (

    select * from {{ ref('race_aliases') }}

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
        race as race_as_published,
        {{ normalize_name('race') }} as race_alias_key,
        year as year_as_published,
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
        {{ parse_calendar_year('year_as_published') }} as calendar_year,
        {{ count_issue('count_text') }} as count_issue,
        {{ count_value('count_text') }} as recipient_count

    from renamed

),

mapped as (

    select
        parsed.*,
        coalesce(town_aliases.town_key, '__unmapped__') as town_key,
        coalesce(race_aliases.race_key, '__unmapped__') as race_key

    from parsed
    left join town_aliases
        on parsed.town_alias_key = town_aliases.alias_key
    left join race_aliases
        on parsed.race_alias_key = race_aliases.alias_key

),

final as (

    select
        -- ids
        source_row_id,
        source_dataset_id,
        load_id,
        town_key,
        race_key,

        -- strings
        town_as_published,
        race_as_published,
        year_as_published,
        count_as_published,
        count_issue,
        case when calendar_year is null then 'invalid_year' end as period_issue,

        -- numerics
        calendar_year,
        recipient_count,

        -- booleans
        is_synthetic,

        -- timestamps
        source_rows_updated_at,
        loaded_at

    from mapped

)

select * from final
