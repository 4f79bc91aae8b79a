-- dbt's filter of the relation a generic test reads (its `where` config), with one placeholder resolved at run
-- time: `__landed_since_last_build__` stands for the rows landed since the last successful build (see
-- landed_since_last_build). A `where` is rendered when the project is parsed, before the warehouse can be read,
-- so the condition that reads it is put in here.
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if '__landed_since_last_build__' in where -%}
        {%- set where = where | replace('__landed_since_last_build__', landed_since_last_build()) -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) -%}
{%- endmacro %}
