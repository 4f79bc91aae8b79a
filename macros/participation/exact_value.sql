{#- The point value of a count known by its bounds: the lower bound when the bounds are equal, else null. A sum
    adds its parts' bounds, so its bounds are equal exactly when every part is exact: pass the sums to get the
    sum's point value. -#}
{% macro exact_value(lower_bound, upper_bound) -%}
    case when {{ lower_bound }} = {{ upper_bound }} then {{ lower_bound }} end
{%- endmacro %}
