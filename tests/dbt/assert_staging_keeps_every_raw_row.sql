-- Returns the rows that show a raw table and its staging model holding different numbers of rows:
-- staging keeps every landed row (an unmapped name or an unreadable count keeps its row, flagged) and never
-- drops or repeats one.
{%- set kinds = [
    'program_annual',
    'town_program_annual',
    'program_monthly',
    'town_assistance_monthly',
    'town_assistance_annual',
    'assistance_annual',
    'town_race_annual',
] %}
with

row_counts as (
{% for kind in kinds %}
    select
        '{{ kind }}' as dataset_kind,
        (select count(*) from {{ source('socrata', kind) }}) as raw_rows,
        (select count(*) from {{ ref('stg_socrata__' ~ kind) }}) as staged_rows
    {% if not loop.last %}union all{% endif %}
{% endfor %}
)

select * from row_counts
where raw_rows != staged_rows
