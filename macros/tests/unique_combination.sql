-- Fails when two or more rows share the same values of the columns listed; each failing row names one such key.
{% test unique_combination(model, combination_of_columns) %}

    {%- set key_columns = combination_of_columns | join(', ') %}

    select
        {{ key_columns }},
        count(*) as row_count

    from {{ model }}
    group by {{ key_columns }}
    having count(*) > 1

{% endtest %}
