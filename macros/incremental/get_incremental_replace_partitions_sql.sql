{#- The `replace_partitions` incremental strategy (see replace_partitions_config), for engines with delete:
    every row of the target whose partition value is among the new rows' is deleted, then the new rows are
    inserted, in one transaction. Unlike delete+insert on a unique key, rows with a null partition value (rows
    without a readable month, kept for the quarantine) are always replaced, rather than kept twice: every run
    selects all of them again (see months_to_rebuild). dbt calls it by its name, get_incremental_<strategy>_sql.
    -#}

{% macro get_incremental_replace_partitions_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set partition_column = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}

    delete from {{ target }}
    where
        {{ partition_column }} in (select {{ partition_column }} from {{ source }})
        or {{ partition_column }} is null;

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
