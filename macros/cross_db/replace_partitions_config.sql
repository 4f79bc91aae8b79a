{#- The incremental settings that make each run replace whole partitions of a model (every row of each month it
    selects), in the strategy each engine supports: by default the project's replace_partitions (a delete of
    the partitions the run selects, null included, then an insert; see get_incremental_replace_partitions_sql);
    on Spark over Parquet, which has neither delete nor merge, insert_overwrite of the partitions the run
    selects.
    Use it in a model's config: config(materialized='incremental', **replace_partitions_config('month_start_date')). -#}

{% macro replace_partitions_config(partition_column) -%}
    {{ return(adapter.dispatch('replace_partitions_config', 'ctdss')(partition_column)) }}
{%- endmacro %}

{% macro default__replace_partitions_config(partition_column) -%}
    {{ return({'incremental_strategy': 'replace_partitions', 'unique_key': partition_column}) }}
{%- endmacro %}

{% macro spark__replace_partitions_config(partition_column) -%}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [partition_column]}) }}
{%- endmacro %}
