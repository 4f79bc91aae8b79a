with

methodology_events as (

    select * from {{ ref('methodology_events') }}

),

final as (

    select
        -- ids
        cast(event_key as {{ dbt.type_string() }}) as event_key,
        cast(scope_program_code as {{ dbt.type_string() }}) as scope_program_code,

        -- strings
        cast(break_type as {{ dbt.type_string() }}) as break_type,
        cast(scope_period as {{ dbt.type_string() }}) as scope_period,
        cast(description as {{ dbt.type_string() }}) as event_description,

        -- booleans
        cast(affects_town_distribution as boolean) as is_town_distribution_change,
        reversed_on is not null as is_reversed,

        -- dates
        cast(announced_date as date) as announced_date,
        cast(effective_from as date) as effective_from_date,
        cast(effective_to as date) as effective_to_date,
        cast(reversed_on as date) as reversed_date

    from methodology_events

)

select * from final
