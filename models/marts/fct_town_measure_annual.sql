with

town_participation as (

    select * from {{ ref('fct_town_program_participation_annual') }}

),

measure_programs as (

    select * from {{ ref('measure_programs') }}

),

-- Enrolments: the counts of the measure's programs in the town and year added up (a person in two of them
-- counts twice), with rates per 1,000 residents of the town in the year.
{{ town_measure_rates('town_participation', 'calendar_year', 'recipient_count') }}

select * from final
