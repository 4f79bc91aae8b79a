{#- The three published columns of a count known by its bounds, each masked with the cell (see
    mask_if_suppressed) and cast to bigint: `<name>`, `<name>_lower` and `<name>_upper`. -#}
{% macro masked_bounds(point_value, lower_bound, upper_bound, name='recipient_count', suppressed_flag='is_suppressed') -%}
    cast({{ mask_if_suppressed(point_value, suppressed_flag) }} as {{ dbt.type_bigint() }}) as {{ name }},
    cast({{ mask_if_suppressed(lower_bound, suppressed_flag) }} as {{ dbt.type_bigint() }}) as {{ name }}_lower,
    cast({{ mask_if_suppressed(upper_bound, suppressed_flag) }} as {{ dbt.type_bigint() }}) as {{ name }}_upper
{%- endmacro %}
