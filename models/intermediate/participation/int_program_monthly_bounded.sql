-- A table, not a view: the kind's fact, the quarantine and dim_month all read these rows, and the methodology
-- join is then computed once per build rather than once per reader.
{{ config(materialized='table') }}

with

program_monthly as (

    select * from {{ ref('stg_socrata__program_monthly') }}

),

-- A statewide kind: its rows are at the town key `statewide`.
{{ bound_participation('program_monthly', 'program_monthly', {
        'program_code': 'program_code',
        'program_as_published': 'program_as_published',
        'town_key': "'statewide'",
        'medical_benefit_plan': 'medical_benefit_plan',
        'period_as_published': 'month_as_published',
        'month_start_date': 'month_start_date',
    }, dataset_kinds()) }}

select * from final
