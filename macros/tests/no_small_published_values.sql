-- Fails when the column publishes a value from 1 to threshold - 1 (a small cell that should have been masked).
{% test no_small_published_values(model, column_name, threshold=none) %}

    {%- set threshold = var('suppression_threshold') if threshold is none else threshold %}

    select *

    from {{ model }}
    where {{ column_name }} >= 1 and {{ column_name }} < {{ threshold }}

{% endtest %}
