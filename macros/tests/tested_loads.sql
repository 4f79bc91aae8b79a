-- The loads whose rows the last successful build tested, in raw._tested_loads (see landed_since_last_build).
-- `ctdss build` runs these as operations: forget_tested_loads before a build that runs changed code or builds
-- everything, so that every row is tested again; record_tested_loads once a build has succeeded, when the
-- rows of every load landed so far have passed its tests. Neither is meant for a hand-run `dbt build`, which may
-- select fewer tests.

{% macro tested_loads_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='raw', identifier='_tested_loads')) }}
{%- endmacro %}

{% macro forget_tested_loads() -%}
    {%- do run_query('create schema if not exists raw') -%}
    {%- do run_query('create table if not exists ' ~ tested_loads_relation() ~ ' (load_id varchar not null)') -%}
    {%- do run_query('delete from ' ~ tested_loads_relation()) -%}
    {#- An operation's statements run in a transaction that dbt does not commit on its own. -#}
    {%- do adapter.commit() -%}
{%- endmacro %}

{% macro record_tested_loads() -%}
    {%- do forget_tested_loads() -%}
    {%- set audit = adapter.get_relation(database=target.database, schema='raw', identifier='_load_audit') -%}
    {%- if audit is not none -%}
        {%- do run_query(
            'insert into ' ~ tested_loads_relation() ~ ' select distinct load_id from ' ~ audit
            ~ " where status = 'loaded'"
        ) -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
{%- endmacro %}
