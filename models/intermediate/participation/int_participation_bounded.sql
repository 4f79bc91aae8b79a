with

participation_unioned as (

    select * from {{ ref('int_participation_unioned') }}

),

methodology_events as (

    select * from {{ ref('methodology_events') }}

),

-- A row meets an event when the event's scope covers the period grain of the row's kind and the row's
-- program, and the event's effective period overlaps the row's period. Events that move counts between towns
-- only concern the kinds whose geography is `town`. Reversed events flag nothing: the counts were recounted.
row_events as (

    select
        participation_unioned.source_dataset_id,
        participation_unioned.source_row_id,
        methodology_events.event_key,
        methodology_events.break_type

    from participation_unioned
    inner join methodology_events
        on (
            methodology_events.scope_period = 'all'
            or participation_unioned.period_grain = methodology_events.scope_period
        )
        and (
            methodology_events.scope_program_code is null
            or participation_unioned.program_code = methodology_events.scope_program_code
        )
        and (
            not methodology_events.affects_town_distribution
            or participation_unioned.geography = 'town'
        )
        and methodology_events.reversed_on is null
        and participation_unioned.period_end_date >= methodology_events.effective_from
        and (
            methodology_events.effective_to is null
            or participation_unioned.period_start_date <= methodology_events.effective_to
        )

),

methodology_flags as (

    select
        source_dataset_id,
        source_row_id,
        {{ ordered_listagg('event_key', "', '", 'event_key') }} as methodology_event_keys,
        {{ dbt.bool_or("break_type = 'restatement'") }} as has_restatement,
        {{ dbt.bool_or("break_type = 'definition_change'") }} as has_definition_change,
        {{ dbt.bool_or("break_type = 'address_logic'") }} as has_address_logic_change,
        {{ dbt.bool_or("break_type = 'reclassification'") }} as has_reclassification

    from row_events
    group by source_dataset_id, source_row_id

),

bounded as (

    select
        participation_unioned.*,
        participation_unioned.recipient_count = 0 as is_suppressed_at_source,
        participation_unioned.recipient_count as recipient_count_lower,
        case
            when participation_unioned.recipient_count = 0 then {{ var('source_zero_upper_bound') }}
            else participation_unioned.recipient_count
        end as recipient_count_upper

    from participation_unioned

),

quarantined as (

    select
        *,
        nullif(
            concat_ws(
                '; ',
                period_issue,
                case
                    when program_code = '__UNMAPPED__' and assistance_type_code is not null
                        then 'unmapped_assistance_type'
                    when program_code = '__UNMAPPED__' then 'unmapped_program'
                end,
                case when town_key = '__unmapped__' then 'unmapped_town' end,
                case when race_key = '__unmapped__' then 'unmapped_race' end,
                count_issue
            ),
            ''
        ) as quarantine_reason

    from bounded

),

final as (

    select
        quarantined.*,
        quarantined.quarantine_reason is not null as is_quarantined,
        methodology_flags.methodology_event_keys is not null as has_methodology_break,
        methodology_flags.methodology_event_keys,
        coalesce(methodology_flags.has_restatement, false) as has_restatement,
        coalesce(methodology_flags.has_definition_change, false) as has_definition_change,
        coalesce(methodology_flags.has_address_logic_change, false) as has_address_logic_change,
        coalesce(methodology_flags.has_reclassification, false) as has_reclassification

    from quarantined
    left join methodology_flags
        on
            quarantined.source_dataset_id = methodology_flags.source_dataset_id
            and quarantined.source_row_id = methodology_flags.source_row_id

)

select * from final
