-- A condition true for the rows of a staging relation landed since the last successful build: the rows whose
-- load that build's tests did not see. `ctdss build` records the loads a successful build tested in
-- raw._tested_loads (see macros/tests/tested_loads.sql), and empties it before a build that runs changed code or
-- builds everything, so that every row is tested again then. Where the table does not exist (another engine, an
-- older warehouse), every row counts as landed.
-- The loads are read when the test runs and written into its SQL as a list: a subquery there would stop DuckDB
-- from filtering the raw rows before the staging view's joins, and the test would read every row again.
-- Arguments:
--   load_id_column: the relation's column naming the load of each row (default load_id).
--   loads: the tested loads, when the caller has read them already (default: read them, see tested_loads).
{% macro landed_since_last_build(load_id_column='load_id', loads=none) -%}
    {%- set loads = tested_loads() if loads is none else loads -%}
    {%- if loads | length == 0 -%}
        1 = 1
    {%- else -%}
        {{ load_id_column }} not in (
            {%- for load in loads %}{{ "'" ~ load | replace("'", "''") ~ "'" }}{{ ", " if not loop.last }}{% endfor -%}
        )
    {%- endif -%}
{%- endmacro %}


-- The loads the last successful build tested, from raw._tested_loads when the test runs; none where the table
-- does not exist (another engine, an older warehouse), or at parse time.
{% macro tested_loads() -%}
    {%- set relation = adapter.get_relation(
        database=target.database, schema='raw', identifier='_tested_loads'
    ) if execute else none -%}
    {{- return(run_query('select load_id from ' ~ relation ~ ' order by 1').columns[0].values()
        if relation is not none else []) -}}
{%- endmacro %}
