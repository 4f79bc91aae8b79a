{%- set null_text = dbt.cast('null', dbt.type_string()) -%}

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

annual_rows as (

    select
        'program_annual' as dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        program_code,
        program_as_published,
        'statewide' as town_key,
        {{ null_text }} as town_as_published,
        {{ null_text }} as medical_benefit_plan,
        year_as_published as period_as_published,
        calendar_year,
        cast(null as date) as month_start_date,
        {{ date_from_parts('calendar_year', 1, 1) }} as period_start_date,
        {{ date_from_parts('calendar_year', 12, 31) }} as period_end_date,
        count_as_published,
        count_issue,
        period_issue,
        recipient_count,
        is_synthetic,
        source_rows_updated_at,
        loaded_at

    from program_annual

),

town_rows as (

    select
        'town_program_annual' as dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        program_code,
        program_as_published,
        town_key,
        town_as_published,
        {{ null_text }} as medical_benefit_plan,
        year_as_published as period_as_published,
        calendar_year,
        cast(null as date) as month_start_date,
        {{ date_from_parts('calendar_year', 1, 1) }} as period_start_date,
        {{ date_from_parts('calendar_year', 12, 31) }} as period_end_date,
        count_as_published,
        count_issue,
        period_issue,
        recipient_count,
        is_synthetic,
        source_rows_updated_at,
        loaded_at

    from town_program_annual

),

monthly_rows as (

    select
        'program_monthly' as dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        program_code,
        program_as_published,
        'statewide' as town_key,
        {{ null_text }} as town_as_published,
        medical_benefit_plan,
        month_as_published as period_as_published,
        calendar_year,
        month_start_date,
        month_start_date as period_start_date,
        cast({{ dbt.last_day('month_start_date', 'month') }} as date) as period_end_date,
        count_as_published,
        count_issue,
        period_issue,
        recipient_count,
        is_synthetic,
        source_rows_updated_at,
        loaded_at

    from program_monthly

),

unioned as (

    select * from annual_rows
    union all
    select * from town_rows
    union all
    select * from monthly_rows

)

select * from unioned
