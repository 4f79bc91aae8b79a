with

monthly_participation as (

    select * from {{ ref('fct_program_participation_monthly') }}

),

measure_programs as (

    select * from {{ ref('measure_programs') }}

),

-- Enrolments: the measure's programs, over all their medical benefit plans, added up statewide in the month.
final as (

    {{ measure_rollup('monthly_participation', ['month_start_date'], 'recipient_count') }}

)

select * from final
