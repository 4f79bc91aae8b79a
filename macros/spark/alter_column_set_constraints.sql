{#- dbt-spark enforces a contract's not_null constraints with `alter table ... change column ... set not null`,
    which only Delta (and Iceberg) tables accept: on the Parquet tables of a plain Spark warehouse the build
    would stop there. On those tables this checks the same promise after the table is written instead: one
    query counts the nulls of every constrained column, and any null fails the model, naming the columns.
    Delta and Iceberg tables keep dbt-spark's own behaviour. -#}

{% macro spark__alter_column_set_constraints(relation, column_dict) %}
    {%- if config.get('file_format', 'parquet') in ['delta', 'iceberg'] -%}
        {{ return(dbt.spark__alter_column_set_constraints(relation, column_dict)) }}
    {%- endif -%}
    {%- set not_null_columns = [] -%}
    {%- for column_name, column in column_dict.items() -%}
        {%- if column['constraints'] | selectattr('type', 'equalto', 'not_null') | list | length > 0 -%}
            {%- do not_null_columns.append(adapter.quote(column_name) if column['quote'] else column_name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not_null_columns | length == 0 -%}{{ return('') }}{%- endif -%}
    {%- set null_counts -%}
        select
        {%- for column_name in not_null_columns %}
            sum(case when {{ column_name }} is null then 1 else 0 end) as null_count_{{ loop.index }}
            {{- ',' if not loop.last }}
        {%- endfor %}
        from {{ relation }}
    {%- endset -%}
    {%- set counts = run_query(null_counts).rows[0] -%}
    {%- set offending = [] -%}
    {%- for column_name in not_null_columns -%}
        {%- if (counts[loop.index0] or 0) > 0 -%}
            {%- do offending.append(column_name ~ ' (' ~ counts[loop.index0] ~ ' nulls)') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if offending | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            'The contract of ' ~ relation ~ ' declares these columns not null, but the built table has nulls in '
            ~ offending | join(', ') ~ '. Fix the model, or the constraint, and build again.'
        ) }}
    {%- endif -%}
{% endmacro %}
