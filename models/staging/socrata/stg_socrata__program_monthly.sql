with

source as (

    select * from {{ source('socrata', 'program_monthly') }}

),

program_aliases as (

    select * from {{ ref('program_aliases') }}

),

programs as (

    select * from {{ ref('programs') }}

),

-- The catalogue's spelling of each medical benefit plan, keyed like the aliases, so that case and spacing
-- variants of a plan name fall on one plan.
catalogue_plans as (

    select
        {{ normalize_name('medical_benefit_plan') }} as plan_alias_key,
        min(medical_benefit_plan) as medical_benefit_plan_name

    from programs
    where medical_benefit_plan is not null
    group by 1

),

renamed as (

    select
        -- ids
        _source_row_id as source_row_id,
        _source_dataset_id as source_dataset_id,
        _load_id as load_id,

        -- strings
        program as program_as_published,
        {{ normalize_name('program') }} as program_alias_key,
        medical_benefit_plan as medical_benefit_plan_as_published,
        nullif({{ tidy_name('medical_benefit_plan') }}, '') as medical_benefit_plan_tidied,
        nullif({{ normalize_name('medical_benefit_plan') }}, '') as plan_alias_key,
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

mapped as (

    select
        parsed.*,
        coalesce(program_aliases.program_code, '__UNMAPPED__') as program_code,
        coalesce(
            catalogue_plans.medical_benefit_plan_name,
            parsed.medical_benefit_plan_tidied,
            'Not applicable'
        ) as medical_benefit_plan

    from parsed
    left join program_aliases
        on parsed.program_alias_key = program_aliases.alias_key
    left join catalogue_plans
        on parsed.plan_alias_key = catalogue_plans.plan_alias_key

),

final as (

    select
        -- ids
        source_row_id,
        source_dataset_id,
        load_id,
        program_code,

        -- strings
        program_as_published,
        medical_benefit_plan,
        medical_benefit_plan_as_published,
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
