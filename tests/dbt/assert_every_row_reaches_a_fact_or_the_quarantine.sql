-- Returns the rows that show a dataset whose staged rows are not all accounted for: every row must be in its
-- fact, in qa_quarantined_rows or (where another dataset's row for the same cell was chosen) in
-- qa_superseded_rows, exactly once.
with

participation as (

    select * from {{ ref('int_participation_bounded') }}

),

staged as (

    select
        source_dataset_id,
        count(*) as staged_rows

    from participation
    group by source_dataset_id

),

accounted as (

    select
        source_dataset_id,
        count(*) as accounted_rows
    from {{ ref('fct_program_participation_annual') }}
    group by source_dataset_id

    union all

    select
        source_dataset_id,
        count(*) as accounted_rows
    from {{ ref('fct_town_program_participation_annual') }}
    group by source_dataset_id

    union all

    select
        source_dataset_id,
        count(*) as accounted_rows
    from {{ ref('fct_program_participation_monthly') }}
    group by source_dataset_id

    union all

    select
        source_dataset_id,
        count(*) as accounted_rows
    from {{ ref('fct_town_assistance_participation_monthly') }}
    group by source_dataset_id

    union all

    select
        source_dataset_id,
        count(*) as accounted_rows
    from {{ ref('fct_assistance_type_participation_annual') }}
    group by source_dataset_id

    union all

    select
        source_dataset_id,
        count(*) as accounted_rows
    from {{ ref('fct_town_race_participation_annual') }}
    group by source_dataset_id

    union all

    select
        source_dataset_id,
        count(*) as accounted_rows
    from {{ ref('qa_quarantined_rows') }}
    group by source_dataset_id

    union all

    select
        source_dataset_id,
        count(*) as accounted_rows
    from {{ ref('qa_superseded_rows') }}
    group by source_dataset_id

),

accounted_by_dataset as (

    select
        source_dataset_id,
        sum(accounted_rows) as accounted_rows

    from accounted
    group by source_dataset_id

),

final as (

    select
        staged.source_dataset_id,
        staged.staged_rows,
        coalesce(accounted_by_dataset.accounted_rows, 0) as accounted_rows

    from staged
    left join accounted_by_dataset
        on staged.source_dataset_id = accounted_by_dataset.source_dataset_id
    where staged.staged_rows != coalesce(accounted_by_dataset.accounted_rows, 0)

)

select * from final
