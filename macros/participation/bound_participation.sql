{#- One kind's participation rows on the columns every kind shares, with the kind's properties, the period each
    count covers, the bounds, the methodology flags and the quarantine decision, as CTEs. Renders `conformed`,
    `methodology_events`, `kind_properties`, `periods`, `row_periods`, `period_events`, `methodology_flags`,
    `bounded`, `quarantined` and `final` (arguments are documented in macros/_macros.yml); the calling model's
    `with` list holds the kind's staged rows before them, and the model ends with `select * from final`:

        with town_race_annual as (select * from {{ ref('stg_socrata__town_race_annual') }}),
        {{ bound_participation('town_race_annual', 'town_race_annual', {'race_key': 'race_key', ...},
                               dataset_kinds(), ['race']) }}
        select * from final

    One macro for every dataset kind, so that each kind's model (and its lineage from its own source) stays
    separate while the rules are written once. The rules read the kind's properties from the registry, never
    its name. The model calls `dataset_kinds` itself, so that a unit test can override it: a unit test's project
    has no graph of sources to read the registry from, and states the properties it assumes instead. -#}

{% macro bound_participation(kind, rows, columns, kinds, categories) -%}
    {#- The shared columns, in order; `common` are those every staging model has under that name. -#}
    {%- set category_columns = [] -%}
    {%- for category in categories -%}
        {%- do category_columns.extend([category ~ '_key', category ~ '_as_published']) -%}
    {%- endfor -%}
    {%- set shared = [
        'source_dataset_id', 'source_row_id', 'load_id', 'program_code', 'program_as_published',
        'assistance_type_code',
    ] + category_columns + [
        'town_key', 'town_as_published',
        'medical_benefit_plan', 'period_as_published', 'calendar_year', 'month_start_date', 'count_as_published',
        'count_issue', 'period_issue', 'recipient_count', 'is_synthetic', 'source_rows_updated_at', 'loaded_at',
    ] -%}
    {%- set common = [
        'source_dataset_id', 'source_row_id', 'load_id', 'calendar_year', 'count_as_published', 'count_issue',
        'period_issue', 'recipient_count', 'is_synthetic', 'source_rows_updated_at', 'loaded_at',
    ] -%}

-- The kind's rows on the columns every kind shares: a column the kind does not have is null.
conformed as (

    select
        {{ dbt.string_literal(kind) }} as dataset_kind,
    {%- for column in shared %}
        {%- if column in columns %}
        {{ columns[column] }}{{ (' as ' ~ column) if columns[column] != column }}
        {%- elif column in common %}
        {{ column }}
        {%- elif column == 'month_start_date' %}
        cast(null as date) as {{ column }}
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as {{ column }}
        {%- endif %}{{ ',' if not loop.last }}
    {%- endfor %}

    from {{ rows }}

),

methodology_events as (

    select * from {{ ref('methodology_events') }}

),

kind_properties as (

    {{ kinds }}

),

-- The period a count covers follows from its kind's period grain in the registry.
periods as (

    select
        conformed.*,
        kind_properties.geography,
        kind_properties.period_grain,
        kind_properties.fact_series,
        case
            when kind_properties.period_grain = 'month' then conformed.month_start_date
            else {{ date_from_parts('conformed.calendar_year', 1, 1) }}
        end as period_start_date,
        case
            when kind_properties.period_grain = 'month'
                then cast({{ dbt.last_day('conformed.month_start_date', 'month') }} as date)
            else {{ date_from_parts('conformed.calendar_year', 12, 31) }}
        end as period_end_date

    from conformed
    left join kind_properties
        on conformed.dataset_kind = kind_properties.dataset_kind

),

-- Events depend only on a row's kind, program and period, so they are matched once per distinct combination
-- (a few thousand) rather than once per row (millions at scale), then joined back on those columns.
row_periods as (

    select distinct
        dataset_kind,
        geography,
        period_grain,
        program_code,
        period_start_date,
        period_end_date

    from periods

),

-- A period meets an event when the event's scope covers the period grain of the row's kind and the row's
-- program, and the event's effective period overlaps the row's period. Events that move counts between towns
-- only concern the kinds whose geography is `town`. Reversed events flag nothing: the counts were recounted.
period_events as (

    select
        row_periods.dataset_kind,
        row_periods.program_code,
        row_periods.period_start_date,
        row_periods.period_end_date,
        methodology_events.event_key,
        methodology_events.break_type

    from row_periods
    inner join methodology_events
        on (
            methodology_events.scope_period = 'all'
            or row_periods.period_grain = methodology_events.scope_period
        )
        and (
            methodology_events.scope_program_code is null
            or row_periods.program_code = methodology_events.scope_program_code
        )
        and (
            not methodology_events.affects_town_distribution
            or row_periods.geography = 'town'
        )
        and methodology_events.reversed_on is null
        and row_periods.period_end_date >= methodology_events.effective_from
        and (
            methodology_events.effective_to is null
            or row_periods.period_start_date <= methodology_events.effective_to
        )

),

methodology_flags as (

    select
        dataset_kind,
        program_code,
        period_start_date,
        period_end_date,
        {{ ordered_listagg('event_key', "', '", 'event_key') }} as methodology_event_keys,
        {{ dbt.bool_or("break_type = 'restatement'") }} as has_restatement,
        {{ dbt.bool_or("break_type = 'definition_change'") }} as has_definition_change,
        {{ dbt.bool_or("break_type = 'address_logic'") }} as has_address_logic_change,
        {{ dbt.bool_or("break_type = 'reclassification'") }} as has_reclassification

    from period_events
    group by dataset_kind, program_code, period_start_date, period_end_date

),

bounded as (

    select
        periods.*,
        periods.recipient_count = 0 as is_suppressed_at_source,
        periods.recipient_count as recipient_count_lower,
        case
            when periods.recipient_count = 0 then {{ var('source_zero_upper_bound') }}
            else periods.recipient_count
        end as recipient_count_upper

    from periods

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
                {%- for category in categories %}
                case when {{ category }}_key = '__unmapped__' then 'unmapped_{{ category }}' end,
                {%- endfor %}
                count_issue
            ),
            ''
        ) as quarantine_reason

    from bounded

),

-- The program is null for kinds without one (the race counts), and events without a program scope cover those
-- rows too, so the program is matched null-safely. A row without a readable period matches no event (its
-- dates are null), as no event can cover it.
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
            quarantined.dataset_kind = methodology_flags.dataset_kind
            and {{ null_safe_equals('quarantined.program_code', 'methodology_flags.program_code') }}
            and quarantined.period_start_date = methodology_flags.period_start_date
            and quarantined.period_end_date = methodology_flags.period_end_date

)

{%- endmacro %}
