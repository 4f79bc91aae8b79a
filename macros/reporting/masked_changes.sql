{#- Changes and averages of a published (suppressed) series, masked whenever an input is masked. The relation
    must carry, per cell, the key columns, the period column, `is_suppressed` and the value with its bounds
    already masked (`<value>`, `<value>_lower`, `<value>_upper`, null when suppressed or, for the point value,
    inexact). -#}

{#- One row per cell of `relation`: the same cell's values one period earlier (a missing period joins nothing,
    so its values are null and `is_prior_suppressed` is null). `prior_period` is an expression on the alias
    `current_cell` naming the earlier period, e.g. `current_cell.calendar_year - 1`. -#}
{% macro prior_period_values(relation, keys, period_column, prior_period, value='enrolments') -%}
    select
        {%- for key in keys %}
        current_cell.{{ key }},
        {%- endfor %}
        current_cell.{{ period_column }},
        prior_cell.is_suppressed as is_prior_suppressed,
        prior_cell.{{ value }} as prior_{{ value }},
        prior_cell.{{ value }}_lower as prior_{{ value }}_lower,
        prior_cell.{{ value }}_upper as prior_{{ value }}_upper

    from {{ relation }} as current_cell
    left join {{ relation }} as prior_cell
        on
            {%- for key in keys %}
            current_cell.{{ key }} = prior_cell.{{ key }} and
            {%- endfor %}
            {{ prior_period }} = prior_cell.{{ period_column }}
{%- endmacro %}


{#- One row per cell of `relation`: how many periods of the trailing window (the cell's period and the
    `periods - 1` before it, one `datepart` apart) are present, masked or inexact, and the averages of the value
    and its bounds over them. Each cell joins its window's periods by equality, one offset at a time, so the
    cost grows with the cells times the window, not with the square of a series' length. -#}
{% macro trailing_window_values(relation, keys, period_column, periods, datepart='month', value='enrolments') -%}
    select
        {%- for key in keys %}
        current_cell.{{ key }},
        {%- endfor %}
        current_cell.{{ period_column }},
        count(*) as periods_in_window,
        sum(case when window_cell.is_suppressed then 1 else 0 end) as suppressed_periods_in_window,
        sum(case when window_cell.{{ value }} is null then 1 else 0 end) as inexact_periods_in_window,
        avg(window_cell.{{ value }}) as {{ value }}_average,
        avg(window_cell.{{ value }}_lower) as {{ value }}_average_lower,
        avg(window_cell.{{ value }}_upper) as {{ value }}_average_upper

    from {{ relation }} as current_cell
    cross join (
        {%- for back in range(periods) %}
        select {{ back }} as periods_back{% if not loop.last %} union all{% endif %}
        {%- endfor %}
    ) as window_offsets
    inner join {{ relation }} as window_cell
        on
            {%- for key in keys %}
            current_cell.{{ key }} = window_cell.{{ key }} and
            {%- endfor %}
            window_cell.{{ period_column }} = cast(
                {{ dbt.dateadd(datepart, '-window_offsets.periods_back', 'current_cell.' ~ period_column) }} as date
            )
    group by
        {%- for key in keys %}
        current_cell.{{ key }},
        {%- endfor %}
        current_cell.{{ period_column }}
{%- endmacro %}


{#- The change columns of a cell against its prior period, from a `published` alias and a `prior` alias (a
    prior_period_values relation): the change of the point value, its bounds and its ratio, plus the flag
    saying it is masked. Named `<value>_<name>_change...`. -#}
{% macro masked_change_columns(published, prior, value='enrolments', name='yoy') -%}
        cast(
            {{ published }}.{{ value }} - {{ prior }}.prior_{{ value }} as {{ dbt.type_bigint() }}
        ) as {{ value }}_{{ name }}_change,
        cast(
            {{ published }}.{{ value }}_lower - {{ prior }}.prior_{{ value }}_upper as {{ dbt.type_bigint() }}
        ) as {{ value }}_{{ name }}_change_lower,
        cast(
            {{ published }}.{{ value }}_upper - {{ prior }}.prior_{{ value }}_lower as {{ dbt.type_bigint() }}
        ) as {{ value }}_{{ name }}_change_upper,
        {{ ctdss.rounded_ratio(
            published ~ '.' ~ value ~ ' - ' ~ prior ~ '.prior_' ~ value, prior ~ '.prior_' ~ value
        ) }} as {{ value }}_{{ name }}_change_ratio
{%- endmacro %}


{#- The trailing average columns of a cell from a `window` alias (a trailing_window_values relation), published
    only when the window holds `periods` periods, all published (and, for the point value, exact). -#}
{% macro masked_average_columns(window, periods, value='enrolments', name='12_month') -%}
        cast(
            case
                when {{ window }}.periods_in_window = {{ periods }} and {{ window }}.inexact_periods_in_window = 0
                    then {{ window }}.{{ value }}_average
            end as {{ dbt.type_numeric() }}
        ) as {{ value }}_{{ name }}_average,
        cast(
            case
                when {{ window }}.periods_in_window = {{ periods }} and {{ window }}.suppressed_periods_in_window = 0
                    then {{ window }}.{{ value }}_average_lower
            end as {{ dbt.type_numeric() }}
        ) as {{ value }}_{{ name }}_average_lower,
        cast(
            case
                when {{ window }}.periods_in_window = {{ periods }} and {{ window }}.suppressed_periods_in_window = 0
                    then {{ window }}.{{ value }}_average_upper
            end as {{ dbt.type_numeric() }}
        ) as {{ value }}_{{ name }}_average_upper
{%- endmacro %}
