-- A table, not a view: the kind's fact, the quarantine and dim_month all read these rows, and the methodology
-- join is then computed once per build rather than once per reader.
{{ config(materialized='table') }}

with

town_race_annual as (

    select * from {{ ref('stg_socrata__town_race_annual') }}

),

-- The race counts have no program.
{{ bound_participation('town_race_annual', 'town_race_annual', {
        'race_key': 'race_key',
        'race_as_published': 'race_as_published',
        'town_key': 'town_key',
        'town_as_published': 'town_as_published',
        'period_as_published': 'year_as_published',
    }, dataset_kinds()) }}

select * from final
