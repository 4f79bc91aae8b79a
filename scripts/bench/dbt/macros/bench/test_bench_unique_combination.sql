-- Fails when two rows of the model share the same values of `columns` (the benchmark models' grain).
{#-
    model                 the model under test
    columns               the columns of its grain
    rows_of_this_build    true for an incremental model that replaces whole months and records the run that
                          wrote each row in `dbt_invocation_id`: within `dbt build`, only the rows this run
                          wrote are checked (the months it did not rewrite were checked when they were
                          written, and the grain includes the month). `dbt test` on its own checks every row.
-#}
{% test bench_unique_combination(model, columns, rows_of_this_build=false) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
{% if rows_of_this_build and flags.WHICH == 'build' %}
    where dbt_invocation_id = '{{ invocation_id }}'
{% endif %}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
