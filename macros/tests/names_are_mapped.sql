-- Fails when a row carries the unmapped key; each failing row names one raw value nobody mapped, with its rows.
{% test names_are_mapped(model, column_name, raw_column, unmapped_key) %}

    select
        {{ raw_column }} as unmapped_raw_value,
        count(*) as row_count

    from {{ model }}
    where {{ column_name }} = '{{ unmapped_key }}'
    group by {{ raw_column }}

{% endtest %}
