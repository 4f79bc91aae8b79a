-- A table, not a view: the kind's fact, the quarantine and dim_month all read these rows, and the methodology
-- join is then computed once per build rather than once per reader.
{{ config(materialized='table') }}

with

program_annual as (

    select * from {{ ref('stg_socrata__program_annual') }}

),

-- A statewide kind: its rows are at the town key `statewide`.
{{ bound_participation('program_annual', 'program_annual', {
        'program_code': 'program_code',
        'program_as_published': 'program_as_published',
        'town_key': "'statewide'",
        'period_as_published': 'year_as_published',
    }, dataset_kinds()) }}

select * from final
