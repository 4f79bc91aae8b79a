-- Fails when a row whose change (or trailing average) is flagged masked still shows its value, a bound or a ratio.
{% test masked_changes_show_no_value(model, value='enrolments', change='yoy', average=none) %}

    {#- The columns masked_change_columns and masked_average_columns write, and the flags that mask them. -#}
    {%- set change_columns = [] -%}
    {%- for suffix in ['', '_lower', '_upper', '_ratio'] -%}
        {%- do change_columns.append(value ~ '_' ~ change ~ '_change' ~ suffix) -%}
    {%- endfor -%}
    {%- set average_columns = [] -%}
    {%- if average is not none -%}
        {%- for suffix in ['', '_lower', '_upper'] -%}
            {%- do average_columns.append(value ~ '_' ~ average ~ '_average' ~ suffix) -%}
        {%- endfor -%}
    {%- endif %}

    select *

    from {{ model }}
    where
        (
            is_{{ change }}_change_masked
            and (
                {%- for column in change_columns %}
                {{ column }} is not null{% if not loop.last %} or{% endif %}
                {%- endfor %}
            )
        )
        {%- if average is not none %}
        or (
            is_{{ average }}_average_masked
            and (
                {%- for column in average_columns %}
                {{ column }} is not null{% if not loop.last %} or{% endif %}
                {%- endfor %}
            )
        )
        {%- endif %}

{% endtest %}
