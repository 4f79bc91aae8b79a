{%- set null_text = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
{%- set null_int = 'cast(null as ' ~ dbt.type_int() ~ ')' -%}

with

program_annual as (

    select * from {{ ref('stg_socrata__program_annual') }}

),

town_program_annual as (

    select * from {{ ref('stg_socrata__town_program_annual') }}

),

program_monthly as (

    select * from {{ ref('stg_socrata__program_monthly') }}

),

town_assistance_monthly as (

    select * from {{ ref('stg_socrata__town_assistance_monthly') }}

),

town_assistance_annual as (

    select * from {{ ref('stg_socrata__town_assistance_annual') }}

),

assistance_annual as (

    select * from {{ ref('stg_socrata__assistance_annual') }}

),

town_race_annual as (

    select * from {{ ref('stg_socrata__town_race_annual') }}

),

dataset_kinds as (

    {{ dataset_kinds() }}

),

-- Every kind's rows on common columns: a column the kind does not have is null (a statewide kind is at town
-- `statewide`); an assistance type is the row's program, as published.
program_annual_rows as (

    select
        'program_annual' as dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        program_code,
        program_as_published,
        {{ null_text }} as assistance_type_code,
        {{ null_text }} as race_key,
        {{ null_text }} as race_as_published,
        'statewide' as town_key,
        {{ null_text }} as town_as_published,
        {{ null_text }} as medical_benefit_plan,
        year_as_published as period_as_published,
        calendar_year,
        cast(null as date) as month_start_date,
        count_as_published,
        count_issue,
        period_issue,
        recipient_count,
        is_synthetic,
        source_rows_updated_at,
        loaded_at

    from program_annual

),

town_program_annual_rows as (

    select
        'town_program_annual' as dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        program_code,
        program_as_published,
        {{ null_text }} as assistance_type_code,
        {{ null_text }} as race_key,
        {{ null_text }} as race_as_published,
        town_key,
        town_as_published,
        {{ null_text }} as medical_benefit_plan,
        year_as_published as period_as_published,
        calendar_year,
        cast(null as date) as month_start_date,
        count_as_published,
        count_issue,
        period_issue,
        recipient_count,
        is_synthetic,
        source_rows_updated_at,
        loaded_at

    from town_program_annual

),

program_monthly_rows as (

    select
        'program_monthly' as dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        program_code,
        program_as_published,
        {{ null_text }} as assistance_type_code,
        {{ null_text }} as race_key,
        {{ null_text }} as race_as_published,
        'statewide' as town_key,
        {{ null_text }} as town_as_published,
        medical_benefit_plan,
        month_as_published as period_as_published,
        calendar_year,
        month_start_date,
        count_as_published,
        count_issue,
        period_issue,
        recipient_count,
        is_synthetic,
        source_rows_updated_at,
        loaded_at

    from program_monthly

),

town_assistance_monthly_rows as (

    select
        'town_assistance_monthly' as dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        program_code,
        assistance_type_as_published as program_as_published,
        assistance_type_code,
        {{ null_text }} as race_key,
        {{ null_text }} as race_as_published,
        town_key,
        town_as_published,
        medical_benefit_plan,
        month_as_published as period_as_published,
        calendar_year,
        month_start_date,
        count_as_published,
        count_issue,
        period_issue,
        recipient_count,
        is_synthetic,
        source_rows_updated_at,
        loaded_at

    from town_assistance_monthly

),

town_assistance_annual_rows as (

    select
        'town_assistance_annual' as dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        program_code,
        assistance_type_as_published as program_as_published,
        {{ null_text }} as assistance_type_code,
        {{ null_text }} as race_key,
        {{ null_text }} as race_as_published,
        town_key,
        town_as_published,
        {{ null_text }} as medical_benefit_plan,
        year_as_published as period_as_published,
        calendar_year,
        cast(null as date) as month_start_date,
        count_as_published,
        count_issue,
        period_issue,
        recipient_count,
        is_synthetic,
        source_rows_updated_at,
        loaded_at

    from town_assistance_annual

),

assistance_annual_rows as (

    select
        'assistance_annual' as dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        program_code,
        assistance_type_as_published as program_as_published,
        {{ null_text }} as assistance_type_code,
        {{ null_text }} as race_key,
        {{ null_text }} as race_as_published,
        'statewide' as town_key,
        {{ null_text }} as town_as_published,
        {{ null_text }} as medical_benefit_plan,
        year_as_published as period_as_published,
        calendar_year,
        cast(null as date) as month_start_date,
        count_as_published,
        count_issue,
        period_issue,
        recipient_count,
        is_synthetic,
        source_rows_updated_at,
        loaded_at

    from assistance_annual

),

town_race_annual_rows as (

    select
        'town_race_annual' as dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        {{ null_text }} as program_code,
        {{ null_text }} as program_as_published,
        {{ null_text }} as assistance_type_code,
        race_key,
        race_as_published,
        town_key,
        town_as_published,
        {{ null_text }} as medical_benefit_plan,
        year_as_published as period_as_published,
        calendar_year,
        cast(null as date) as month_start_date,
        count_as_published,
        count_issue,
        period_issue,
        recipient_count,
        is_synthetic,
        source_rows_updated_at,
        loaded_at

    from town_race_annual

),

unioned as (

    select * from program_annual_rows
    union all
    select * from town_program_annual_rows
    union all
    select * from program_monthly_rows
    union all
    select * from town_assistance_monthly_rows
    union all
    select * from town_assistance_annual_rows
    union all
    select * from assistance_annual_rows
    union all
    select * from town_race_annual_rows

),

-- The period a count covers follows from its kind's period grain in the registry.
final as (

    select
        unioned.*,
        dataset_kinds.geography,
        dataset_kinds.period_grain,
        dataset_kinds.fact_series,
        case
            when dataset_kinds.period_grain = 'month' then unioned.month_start_date
            else {{ date_from_parts('unioned.calendar_year', 1, 1) }}
        end as period_start_date,
        case
            when dataset_kinds.period_grain = 'month'
                then cast({{ dbt.last_day('unioned.month_start_date', 'month') }} as date)
            else {{ date_from_parts('unioned.calendar_year', 12, 31) }}
        end as period_end_date

    from unioned
    left join dataset_kinds
        on unioned.dataset_kind = dataset_kinds.dataset_kind

)

select * from final
