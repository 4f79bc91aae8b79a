{#- The rows of `rows` an incremental run of a monthly model rebuilds, as the CTE `rows_to_build`: every row of
    the last refresh_window_months months already in the table (DSS revises a month for three months after
    publication), of any newer month, of any older month whose rows were landed again by another load (a full
    re-pull, or a republication: a (month, load_id) pair the table does not hold), and of no month at all (rows
    without a readable period, which only the quarantine keeps). The strategy of replace_partitions_config then
    replaces every row of those months, so that the table always equals a rebuild from the raw rows. A full
    build, or an empty table, takes every row. `rows` is a CTE of the model with month_start_date and load_id.
    The model passes its own is_incremental(), which a unit test of the model can override (a call from inside
    this macro would not see the override).

        with final as (...),
        {{ months_to_rebuild('final', is_incremental()) }}
        select * from rows_to_build -#}

{% macro months_to_rebuild(rows, incremental) -%}
{%- if incremental %}
refresh_window as (

    select
        cast(
            {{ dbt.dateadd('month', 1 - var('refresh_window_months') | int, 'max(month_start_date)') }}
            as date
        ) as refresh_from_date

    from {{ this }}

),

built_loads as (

    select distinct
        month_start_date,
        load_id

    from {{ this }}

),

landed_loads as (

    select distinct
        month_start_date,
        load_id

    from {{ rows }}

),

relanded_months as (

    select distinct landed_loads.month_start_date

    from landed_loads
    left join built_loads
        on
            landed_loads.month_start_date = built_loads.month_start_date
            and landed_loads.load_id = built_loads.load_id
    where built_loads.load_id is null

),

rows_to_build as (

    select {{ rows }}.*

    from {{ rows }}
    cross join refresh_window
    where
        refresh_window.refresh_from_date is null
        or {{ rows }}.month_start_date is null
        or {{ rows }}.month_start_date >= refresh_window.refresh_from_date
        or {{ rows }}.month_start_date in (select relanded_months.month_start_date from relanded_months)

)
{%- else %}
rows_to_build as (

    select * from {{ rows }}

)
{%- endif %}
{%- endmacro %}
