{#- The ratio of two integer expressions rounded half away from zero to `scale` decimals, as a decimal; null when
    the denominator is zero or null. It is computed in integers, so every engine gives the same digits: a
    floating-point division (DuckDB divides decimals as doubles) would round 0.0640625 to 0.064062 where Spark's
    exact decimal division gives 0.064063. Only the integer division differs by engine. -#}

{% macro rounded_ratio(numerator, denominator, scale=6) -%}
    {%- set factor = 10 ** scale -%}
    {%- set magnitude = ctdss.integer_divide(
        '2 * abs(' ~ numerator ~ ') * ' ~ factor ~ ' + abs(' ~ denominator ~ ')',
        '2 * abs(nullif(' ~ denominator ~ ', 0))'
    ) -%}
    cast(
        case when ({{ numerator }} < 0) <> ({{ denominator }} < 0) then -1 else 1 end
        * cast({{ magnitude }} as decimal(28, 0))
        / cast({{ factor }} as decimal(28, 0))
        as decimal(28, {{ scale }})
    )
{%- endmacro %}

{#- The quotient of two integer expressions, truncated toward zero. -#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide', 'ctdss')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__integer_divide(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{% macro spark__integer_divide(numerator, denominator) -%}
    (({{ numerator }}) div ({{ denominator }}))
{%- endmacro %}
