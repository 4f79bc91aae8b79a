with

source as (

    select * from {{ source('socrata', 'town_assistance_monthly') }}

),

town_aliases as (

    select * from {{ ref('town_aliases') }}

),

assistance_types as (

    select * from {{ ref('assistance_types') }}

),

programs as (

    select * from {{ ref('programs') }}

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
        assistance_type as assistance_type_as_published,
        upper({{ tidy_name('assistance_type') }}) as assistance_type_code,
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
        {{ parse_month_start('month_as_published') }} as month_start_date,
        {{ count_issue('count_text') }} as count_issue,
        {{ count_value('count_text') }} as recipient_count

    from renamed

),

-- A TOA code rolls up to its catalogue program through the seed (case and spacing folded). A code the seed
-- does not know keeps its row under __UNMAPPED__. The plan is the seed's where DSS published it.
mapped as (

    select
        parsed.*,
        coalesce(town_aliases.town_key, '__unmapped__') as town_key,
        coalesce(assistance_types.program_code, '__UNMAPPED__') as program_code,
        coalesce(
            assistance_types.medical_benefit_plan,
            case when programs.program_family = 'medical' then 'Not published' else 'Not applicable' end
        ) as medical_benefit_plan

    from parsed
    left join town_aliases
        on parsed.town_alias_key = town_aliases.alias_key
    left join assistance_types
        on parsed.assistance_type_code = assistance_types.assistance_type_code
    left join programs
        on assistance_types.program_code = programs.program_code

),

final as (

    select
        -- ids
        source_row_id,
        source_dataset_id,
        load_id,
        town_key,
        assistance_type_code,
        program_code,

        -- strings
        medical_benefit_plan,
        town_as_published,
        assistance_type_as_published,
        month_as_published,
        count_as_published,
        count_issue,
        case when month_start_date is null then 'invalid_month' end as period_issue,

        -- numerics
        cast(extract(year from month_start_date) as {{ dbt.type_int() }}) as calendar_year,
        recipient_count,

        -- booleans
        is_synthetic,

        -- dates
        month_start_date,

        -- timestamps
        source_rows_updated_at,
        loaded_at

    from mapped

)

select * from final
