-- A table, not a view: the kind's fact, the quarantine and dim_month all read these rows, and the methodology
-- join is then computed once per build rather than once per reader. Incremental: a new publication revises a
-- few months of millions of rows, so a build bounds only the months it rebuilds (see months_to_rebuild), read
-- from the staged rows before any join.
{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **replace_partitions_config('month_start_date'),
    )
}}

with

staged as (

    select * from {{ ref('stg_socrata__town_assistance_monthly') }}

),

{{ months_to_rebuild('staged', is_incremental(), ref('stg_socrata__town_assistance_monthly')) }},

town_assistance_monthly as (

    select * from rows_to_build

),

-- An assistance type is the row's program, as published; the TOA code is kept beside it.
{{ bound_participation('town_assistance_monthly', 'town_assistance_monthly', {
        'program_code': 'program_code',
        'program_as_published': 'assistance_type_as_published',
        'assistance_type_code': 'assistance_type_code',
        'town_key': 'town_key',
        'town_as_published': 'town_as_published',
        'medical_benefit_plan': 'medical_benefit_plan',
        'period_as_published': 'month_as_published',
        'month_start_date': 'month_start_date',
    }, dataset_kinds()) }}

select * from final
