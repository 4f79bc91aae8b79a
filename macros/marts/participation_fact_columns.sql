{#- The columns every participation fact carries after its keys, from their kind's bounded model: the count as
    published with its bounds, the methodology flags and the lineage. One list, so the facts cannot drift apart.
    `recipient_count` is null where DSS published 0 (a count from 0 to 4), not 0: a 0 would read as an exact
    zero (the README's "recipient_count is null where DSS published 0" says why). -#}

{% macro participation_fact_columns(relation=none) -%}
    {%- set prefix = (relation ~ '.') if relation else '' -%}
        -- counts
        {{ prefix }}count_as_published,
        case when not {{ prefix }}is_suppressed_at_source then {{ prefix }}recipient_count end as recipient_count,
        {{ prefix }}recipient_count_lower,
        {{ prefix }}recipient_count_upper,
        {{ prefix }}is_suppressed_at_source,

        -- methodology
        {{ prefix }}has_methodology_break,
        {{ prefix }}methodology_event_keys,
        {{ prefix }}has_restatement,
        {{ prefix }}has_definition_change,
        {{ prefix }}has_address_logic_change,
        {{ prefix }}has_reclassification,

        -- lineage
        {{ prefix }}source_dataset_id,
        {{ prefix }}source_row_id,
        {{ prefix }}load_id,
        {{ prefix }}source_rows_updated_at,
        {{ prefix }}loaded_at,
        {{ prefix }}is_synthetic
{%- endmacro %}
