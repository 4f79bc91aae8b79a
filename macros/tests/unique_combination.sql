-- Fails when two or more rows share the same values of the columns listed; each failing row names one such key.
-- With landed_only, only the keys of the rows landed since the last successful build are counted (against every
-- row, so a new row that repeats an old key still fails): that build counted the others, with the same code.
{% test unique_combination(model, combination_of_columns, landed_only=false) %}

    {%- set key_columns = combination_of_columns | join(', ') %}
    {#- With no load tested yet (a first build, or one after changed code) every row counts as landed: the plain
        count then, as a semi-join of every key against every row would read the relation twice. #}
    {%- set loads = tested_loads() if landed_only else [] %}
    {%- set landed_only = loads | length > 0 %}

    with

    tested as (

        select * from {{ model }}

    ){% if landed_only %},

    landed_keys as (

        select distinct {{ key_columns }}

        from tested
        where {{ landed_since_last_build(loads=loads) }}

    ){% endif %}

    select
        {{ key_columns }},
        count(*) as row_count

    from tested
    {%- if landed_only %}
    -- Null-safe, as the group by is: two rows with the same null key part are duplicates there too.
    where exists (
        select 1
        from landed_keys
        where
            {%- for column in combination_of_columns %}
            {% if not loop.first %}and {% endif %}landed_keys.{{ column }} is not distinct from tested.{{ column }}
            {%- endfor %}
    )
    {%- endif %}
    group by {{ key_columns }}
    having count(*) > 1

{% endtest %}
