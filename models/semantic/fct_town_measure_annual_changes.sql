-- The change of each town's measure from the year before, as rows: MetricFlow computes a change over a year
-- only per year in the query, so "the latest year's change" needs the change to be a measure of its own year.
with

town_measures as (

    select * from {{ ref('fct_town_measure_annual') }}

),

changes as (

    select
        this_year.town_key,
        this_year.measure_key,
        this_year.calendar_year,
        this_year.enrolments_lower - last_year.enrolments_upper as enrolments_change_lower,
        this_year.enrolments_upper - last_year.enrolments_lower as enrolments_change_upper

    from town_measures as this_year
    inner join town_measures as last_year
        on
            this_year.town_key = last_year.town_key
            and this_year.measure_key = last_year.measure_key
            and this_year.calendar_year = last_year.calendar_year + 1

),

final as (

    select
        -- ids
        town_key,
        measure_key,

        -- numerics
        calendar_year,
        {{ exact_value('enrolments_change_lower', 'enrolments_change_upper') }} as enrolments_change,
        enrolments_change_lower,
        enrolments_change_upper

    from changes

)

select * from final
