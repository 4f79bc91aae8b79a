-- A town's annual program counts summed within each program family, as
-- rpt_town_program_family_trends_by_year publishes them. A person in two programs of one family counts
-- twice, and a recipient who moved is counted in every town lived in: not a count of people. Towns only:
-- Unknown, Out of State and Statewide are not places.
with

town_participation as (

    select * from {{ ref('fct_town_program_participation_annual') }}

),

towns as (

    select * from {{ ref('dim_town') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

final as (

    select
        town_participation.town_key,
        programs.program_family,
        town_participation.calendar_year,
        count(*) as program_count,
        sum(town_participation.recipient_count_lower) as enrolments_lower,
        sum(town_participation.recipient_count_upper) as enrolments_upper,
        {{ dbt.bool_or('town_participation.has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or('town_participation.is_synthetic') }} as is_synthetic

    from town_participation
    inner join programs
        on town_participation.program_code = programs.program_code
    inner join towns
        on town_participation.town_key = towns.town_key
    where not towns.is_special
    group by town_participation.town_key, programs.program_family, town_participation.calendar_year

)

select * from final
