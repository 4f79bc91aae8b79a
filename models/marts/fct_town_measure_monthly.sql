with

town_participation as (

    select * from {{ ref('fct_town_program_participation_monthly') }}

),

measure_programs as (

    select * from {{ ref('measure_programs') }}

),

-- Enrolments: the measure's programs (each already the sum of its TOA codes) added up in the town and month,
-- with rates per 1,000 residents of the town in the month's year.
{{ town_measure_rates('town_participation', 'month_start_date', 'enrolments') }}

select * from final
