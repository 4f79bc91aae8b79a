-- Returns the rows that show a raw table and its staging model holding different numbers of rows:
-- staging keeps every landed row (an unmapped name or an unreadable count keeps its row, flagged) and never
-- drops or repeats one.
with

raw_program_annual as (

    select count(*) as row_count from {{ source('socrata', 'program_annual') }}

),

raw_town_program_annual as (

    select count(*) as row_count from {{ source('socrata', 'town_program_annual') }}

),

raw_program_monthly as (

    select count(*) as row_count from {{ source('socrata', 'program_monthly') }}

),

staged_program_annual as (

    select count(*) as row_count from {{ ref('stg_socrata__program_annual') }}

),

staged_town_program_annual as (

    select count(*) as row_count from {{ ref('stg_socrata__town_program_annual') }}

),

staged_program_monthly as (

    select count(*) as row_count from {{ ref('stg_socrata__program_monthly') }}

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

)

select * from row_counts
where raw_rows != staged_rows
