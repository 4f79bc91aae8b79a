{#- Registers the raw layer's Parquet files (written by `ctdss export-raw`) as the source tables of the raw
    schema (the `socrata` source, and any source added there later), one external table per source table at
    <location>/<table name>. Dropping such a table never deletes
    its files, so re-running this is safe. Run it with
    `dbt run-operation register_raw_tables --target spark --args '{location: /abs/path/raw}'`. -#}

{% macro register_raw_tables(location) -%}
    {{ return(adapter.dispatch('register_raw_tables', 'ctdss')(location)) }}
{%- endmacro %}

{% macro default__register_raw_tables(location) -%}
    {{ exceptions.raise_compiler_error(
        "register_raw_tables is for engines that read the raw layer from files (Spark); on " ~ target.type ~
        " the raw schema is landed by `ctdss load`."
    ) }}
{%- endmacro %}

{% macro spark__register_raw_tables(location) -%}
    {%- set location = location | string | trim -%}
    {%- if "'" in location -%}
        {{ exceptions.raise_compiler_error("register_raw_tables: the location must not contain a quote.") }}
    {%- endif -%}
    {%- set tables = graph.sources.values() | selectattr('schema', 'equalto', 'raw') | list -%}
    {%- for table in tables -%}
        {%- if loop.first %}{% do run_query('create schema if not exists ' ~ table.schema) %}{% endif -%}
        {%- set relation = table.schema ~ '.' ~ table.identifier -%}
        {% do run_query('drop table if exists ' ~ relation) %}
        {% do run_query(
            'create table ' ~ relation ~ " using parquet location '" ~ location ~ '/' ~ table.identifier ~ "'"
        ) %}
        {% do log('Registered ' ~ relation ~ ' on ' ~ location ~ '/' ~ table.identifier, info=true) %}
    {%- endfor -%}
{%- endmacro %}
