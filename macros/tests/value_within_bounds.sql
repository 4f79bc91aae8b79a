-- Fails when a row's lower bound exceeds its upper bound, or its value lies outside [lower bound, upper bound].
{% test value_within_bounds(model, column_name, lower_column, upper_column) %}

    select *

    from {{ model }}
    where
        {{ lower_column }} > {{ upper_column }}
        or (
            {{ column_name }} is not null
            and (
                {{ lower_column }} is null
                or {{ upper_column }} is null
                or {{ column_name }} < {{ lower_column }}
                or {{ column_name }} > {{ upper_column }}
            )
        )

{% endtest %}
