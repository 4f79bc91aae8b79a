-- One row per town, program and month of the benchmark table, with the suppression bounds (a published 0 is
-- a count from 0 to source_zero_upper_bound), the methodology breaks in force that month and the quarantine
-- reason of a row the marts leave out.
with

staged as (

    select * from {{ ref('stg_bench__town_program_monthly') }}

),

methodology_events as (

    select
        event_key,
        effective_from,
        coalesce(effective_to, cast('9999-12-31' as date)) as effective_to,
        coalesce(scope_program_code, '') as scope_program_code,
        coalesce(affects_town_distribution, false) as affects_town_distribution

    from {{ ref('methodology_events') }}
    where scope_period in ('all', 'month') and reversed_on is null

),

programs as (

    select program_code from {{ ref('programs') }}
    union
    select '__UNMAPPED__' as program_code

),

-- The dates where some event starts or ends cut time into periods in which the same events are in force.
boundaries as (

    select cast('0001-01-01' as date) as period_start
    union
    select effective_from from methodology_events
    union
    select cast({{ dbt.dateadd('day', 1, 'effective_to') }} as date) from methodology_events
    where effective_to < cast('9999-12-31' as date)

),

periods as (

    select
        period_start,
        coalesce(
            lead(period_start) over (order by period_start), cast('9999-12-31' as date)
        ) as period_end

    from boundaries

),

-- One row per program and period (a few hundred rows), joined to each row on program and date range with one
-- match per row: no row-level event join and regrouping of the whole table, and a filter on the rows still
-- reaches the raw table's scan.
period_flags as (

    select
        programs.program_code,
        periods.period_start,
        periods.period_end,
        count(methodology_events.event_key) > 0 as has_methodology_break,
        coalesce(
            {{ dbt.bool_or('methodology_events.affects_town_distribution') }}, false
        ) as has_town_distribution_break

    from periods
    cross join programs
    left join methodology_events
        on
            periods.period_start >= methodology_events.effective_from
            and periods.period_start <= methodology_events.effective_to
            and methodology_events.scope_program_code in ('', programs.program_code)
    group by programs.program_code, periods.period_start, periods.period_end

),

bounded as (

    select
        staged.*,
        staged.recipient_count = 0 as is_suppressed_at_source,
        staged.recipient_count as recipient_count_lower,
        case
            when staged.recipient_count = 0 then {{ var('source_zero_upper_bound', 4) }}
            else staged.recipient_count
        end as recipient_count_upper,
        coalesce(period_flags.has_methodology_break, false) as has_methodology_break,
        coalesce(period_flags.has_town_distribution_break, false) as has_town_distribution_break,
        nullif(
            concat_ws(
                '; ',
                staged.period_issue,
                case when staged.program_code = '__UNMAPPED__' then 'unmapped_program' end,
                case when staged.town_key = '__unmapped__' then 'unmapped_town' end,
                staged.count_issue
            ),
            ''
        ) as quarantine_reason

    from staged
    left join period_flags
        on
            staged.program_code = period_flags.program_code
            and staged.month_start_date >= period_flags.period_start
            and staged.month_start_date < period_flags.period_end

)

select * from bounded
