-- A table, not a view: the kind's fact, the quarantine and dim_month all read these rows, and the methodology
-- join is then computed once per build rather than once per reader.
{{ config(materialized='table') }}

with

town_assistance_annual as (

    select * from {{ ref('stg_socrata__town_assistance_annual') }}

),

-- An assistance type is the row's program, as published.
{{ bound_participation('town_assistance_annual', 'town_assistance_annual', {
        'program_code': 'program_code',
        'program_as_published': 'assistance_type_as_published',
        'town_key': 'town_key',
        'town_as_published': 'town_as_published',
        'period_as_published': 'year_as_published',
    }, dataset_kinds()) }}

select * from final
