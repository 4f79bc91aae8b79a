-- Fails on the rows where the column is null but the condition is false, or set but the condition is true.
{% test null_exactly_where(model, column_name, condition) %}

    select *

    from {{ model }}
    where ({{ column_name }} is null) <> coalesce({{ condition }}, false)

{% endtest %}
