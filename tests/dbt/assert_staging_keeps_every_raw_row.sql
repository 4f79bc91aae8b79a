-- Returns the rows that show a raw table and its staging model holding different numbers of rows:
-- staging keeps every landed row (an unmapped name or an unreadable count keeps its row, flagged) and never
-- drops or repeats one.
with

raw_program_annual as (

    select count(*) as row_count from {{ source('socrata', 'program_annual') }}

),

staged_program_annual as (

    select count(*) as row_count from {{ ref('stg_socrata__program_annual') }}

),

raw_town_program_annual as (

    select count(*) as row_count from {{ source('socrata', 'town_program_annual') }}

),

staged_town_program_annual as (

    select count(*) as row_count from {{ ref('stg_socrata__town_program_annual') }}

),

raw_program_monthly as (

    select count(*) as row_count from {{ source('socrata', 'program_monthly') }}

),

staged_program_monthly as (

    select count(*) as row_count from {{ ref('stg_socrata__program_monthly') }}

),

raw_town_assistance_monthly as (

    select count(*) as row_count from {{ source('socrata', 'town_assistance_monthly') }}

),

staged_town_assistance_monthly as (

    select count(*) as row_count from {{ ref('stg_socrata__town_assistance_monthly') }}

),

raw_town_assistance_annual as (

    select count(*) as row_count from {{ source('socrata', 'town_assistance_annual') }}

),

staged_town_assistance_annual as (

    select count(*) as row_count from {{ ref('stg_socrata__town_assistance_annual') }}

),

raw_assistance_annual as (

    select count(*) as row_count from {{ source('socrata', 'assistance_annual') }}

),

staged_assistance_annual as (

    select count(*) as row_count from {{ ref('stg_socrata__assistance_annual') }}

),

raw_town_race_annual as (

    select count(*) as row_count from {{ source('socrata', 'town_race_annual') }}

),

staged_town_race_annual as (

    select count(*) as row_count from {{ ref('stg_socrata__town_race_annual') }}

),

row_counts as (

    select
        'program_annual' as dataset_kind,
        raw_program_annual.row_count as raw_rows,
        staged_program_annual.row_count as staged_rows
    from raw_program_annual
    cross join staged_program_annual

    union all

    select
        'town_program_annual' as dataset_kind,
        raw_town_program_annual.row_count as raw_rows,
        staged_town_program_annual.row_count as staged_rows
    from raw_town_program_annual
    cross join staged_town_program_annual

    union all

    select
        'program_monthly' as dataset_kind,
        raw_program_monthly.row_count as raw_rows,
        staged_program_monthly.row_count as staged_rows
    from raw_program_monthly
    cross join staged_program_monthly

    union all

    select
        'town_assistance_monthly' as dataset_kind,
        raw_town_assistance_monthly.row_count as raw_rows,
        staged_town_assistance_monthly.row_count as staged_rows
    from raw_town_assistance_monthly
    cross join staged_town_assistance_monthly

    union all

    select
        'town_assistance_annual' as dataset_kind,
        raw_town_assistance_annual.row_count as raw_rows,
        staged_town_assistance_annual.row_count as staged_rows
    from raw_town_assistance_annual
    cross join staged_town_assistance_annual

    union all

    select
        'assistance_annual' as dataset_kind,
        raw_assistance_annual.row_count as raw_rows,
        staged_assistance_annual.row_count as staged_rows
    from raw_assistance_annual
    cross join staged_assistance_annual

    union all

    select
        'town_race_annual' as dataset_kind,
        raw_town_race_annual.row_count as raw_rows,
        staged_town_race_annual.row_count as staged_rows
    from raw_town_race_annual
    cross join staged_town_race_annual

)

select * from row_counts
where raw_rows != staged_rows
