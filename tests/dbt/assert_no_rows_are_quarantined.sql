-- Returns the rows that were quarantined (kept out of the facts), with the reason and lineage of each.
-- A warning, not an error, so that one bad published value does not stop the build.
-- See qa.qa_quarantined_rows.
{{ config(severity='warn') }}

select * from {{ ref('qa_quarantined_rows') }}
