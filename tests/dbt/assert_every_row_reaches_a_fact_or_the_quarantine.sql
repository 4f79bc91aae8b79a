-- Returns the rows that show a dataset kind whose staged rows are not all accounted for: every row must be in
-- its fact or in qa_quarantined_rows, exactly once.
with

participation as (

    select * from {{ ref('int_participation_bounded') }}

),

quarantined_rows as (

    select * from {{ ref('qa_quarantined_rows') }}

),

staged as (

    select
        dataset_kind,
        count(*) as staged_rows

    from participation
    group by dataset_kind

),

accounted as (

    select
        'program_annual' as dataset_kind,
        count(*) as accounted_rows
    from {{ ref('fct_program_participation_annual') }}

    union all

    select
        'town_program_annual' as dataset_kind,
        count(*) as accounted_rows
    from {{ ref('fct_town_program_participation_annual') }}

    union all

    select
        'program_monthly' as dataset_kind,
        count(*) as accounted_rows
    from {{ ref('fct_program_participation_monthly') }}

    union all

    select
        dataset_kind,
        count(*) as accounted_rows
    from quarantined_rows
    group by dataset_kind

),

accounted_by_kind as (

    select
        dataset_kind,
        sum(accounted_rows) as accounted_rows

    from accounted
    group by dataset_kind

),

final as (

    select
        staged.dataset_kind,
        staged.staged_rows,
        coalesce(accounted_by_kind.accounted_rows, 0) as accounted_rows

    from staged
    left join accounted_by_kind
        on staged.dataset_kind = accounted_by_kind.dataset_kind
    where staged.staged_rows != coalesce(accounted_by_kind.accounted_rows, 0)

)

select * from final
