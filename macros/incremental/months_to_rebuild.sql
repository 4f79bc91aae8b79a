{#- The rows of `rows` an incremental run of a monthly model rebuilds, as the CTE `rows_to_build`: every row of
    the last refresh_window_months months already in the table (DSS revises a month for three months after
    publication), of any newer month, of any older month whose rows were landed again by another load (a full
    re-pull, or a republication: a (month, load_id) pair the table does not hold), and of no month at all (rows
    without a readable period, which only the quarantine keeps). The strategy of replace_partitions_config then
    replaces every row of those months, so that the table always equals a rebuild from the raw rows. A full
    build, or an empty table, takes every row. `rows` is a CTE of the model with month_start_date and load_id.
    The model passes its own is_incremental(), which a unit test of the model can override (a call from inside
    this macro would not see the override).

    `upstream` is the relation `rows` is read from. Given, the months are read from it when the model runs and
    written into its SQL as a list: DuckDB then filters the upstream rows before the model's joins (and, from a
    staging view, before the view's), where a subquery would have every row computed first and cost seconds at
    ten million rows. Its (month, load_id) pairs are those of `rows` or more (rows `rows` leaves out): a month
    only they hold is rebuilt from no rows, which changes nothing. A unit test, whose `this` is a fixture rather
    than a relation, reads the same months through a subquery.

        with final as (...),
        {{ months_to_rebuild('final', is_incremental(), ref('int_program_monthly_bounded')) }}
        select * from rows_to_build -#}

{% macro months_to_rebuild(rows, incremental, upstream=none) -%}
rows_to_build as (

    select {{ rows }}.*

    from {{ rows }}
    {%- if incremental %}
    where
        {{ rows }}.month_start_date is null
        or {{ rows }}.month_start_date in (
            {%- if upstream is not none and this is not string and execute and not var('lint_incremental_branch', false) %}
            {{- date_literals(run_query(months_to_rebuild_sql(upstream)).columns[0].values()) -}}
            {%- else %}
            {{ months_to_rebuild_sql(rows) | indent(12) }}
            {%- endif %}
        )
    {%- endif %}

)
{%- endmacro %}


{#- The months a run rebuilds (see months_to_rebuild), as a query over the table and `landed`, a relation or CTE
    with month_start_date and load_id. -#}
{% macro months_to_rebuild_sql(landed) -%}
with

built_loads as (

    select distinct
        month_start_date,
        load_id

    from {{ this }}

),

refresh_window as (

    select
        cast(
            {{ dbt.dateadd('month', 1 - var('refresh_window_months') | int, 'max(month_start_date)') }}
            as date
        ) as refresh_from_date

    from built_loads

),

landed_loads as (

    select distinct
        month_start_date,
        load_id

    from {{ landed }}
    where month_start_date is not null

)

select distinct landed_loads.month_start_date

from landed_loads
cross join refresh_window
left join built_loads
    on
        landed_loads.month_start_date = built_loads.month_start_date
        and landed_loads.load_id = built_loads.load_id
where
    built_loads.load_id is null
    or refresh_window.refresh_from_date is null
    or landed_loads.month_start_date >= refresh_window.refresh_from_date
{%- endmacro %}


{#- Dates as a comma-separated list of SQL date literals; a null literal for none (`in (null)` holds for no row). -#}
{% macro date_literals(months) -%}
    {%- for month in months -%}
        cast('{{ (month | string)[:10] }}' as date){{ ", " if not loop.last }}
    {%- else -%}
        cast(null as date)
    {%- endfor -%}
{%- endmacro %}
