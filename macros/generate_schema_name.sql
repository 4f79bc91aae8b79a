{#- Puts each layer in a schema named for the layer (staging, intermediate, marts, ...), not
    <target schema>_<layer>, so analysts and BI tools see short, stable schema names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
