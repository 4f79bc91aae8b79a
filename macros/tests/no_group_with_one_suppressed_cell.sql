-- Fails when a group of two or more cells has exactly one suppressed cell (recoverable from the group's total).
{% test no_group_with_one_suppressed_cell(model, group_by, suppressed_flag='is_suppressed') %}

    {%- set group_columns = group_by | join(', ') %}

    select
        {{ group_columns }}{{ ',' if group_by | length > 0 }}
        count(*) as cells_in_group,
        sum(case when {{ suppressed_flag }} then 1 else 0 end) as suppressed_cells

    from {{ model }}
    {% if group_by | length > 0 -%}
    group by {{ group_columns }}
    {% endif -%}
    having
        count(*) > 1
        and sum(case when {{ suppressed_flag }} then 1 else 0 end) = 1

{% endtest %}
