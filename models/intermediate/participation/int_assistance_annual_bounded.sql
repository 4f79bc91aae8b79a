-- A table, not a view: the kind's fact, the quarantine and dim_month all read these rows, and the methodology
-- join is then computed once per build rather than once per reader.
{{ config(materialized='table') }}

with

assistance_annual as (

    select * from {{ ref('stg_socrata__assistance_annual') }}

),

-- A statewide kind (at the town key `statewide`); an assistance type is the row's program, as published.
{{ bound_participation('assistance_annual', 'assistance_annual', {
        'program_code': 'program_code',
        'program_as_published': 'assistance_type_as_published',
        'town_key': "'statewide'",
        'period_as_published': 'year_as_published',
    }, dataset_kinds()) }}

select * from final
