-- The statewide monthly counts are published per program (rpt_program_participation_by_month) and summed over
-- the programs of a family (rpt_program_family_trends_by_month). The family total is published, so the two
-- tables are suppressed here as one system, once per cell: a family of one program is that program's cell.
-- A table: the rpt_ models and qa_disclosure_cells read it, and the passes should run once, not per reader.
{{ config(materialized='table') }}

with

monthly_participation as (

    select * from {{ ref('fct_program_participation_monthly') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

-- A program's medical benefit plans are added within the program (bounds add). Programs are never added
-- together except within a family, below.
program_cells as (

    select
        monthly_participation.program_code,
        programs.program_family,
        monthly_participation.month_start_date,
        count(*) as cell_count,
        sum(monthly_participation.recipient_count_lower) as count_lower,
        sum(monthly_participation.recipient_count_upper) as count_upper,
        {{ dbt.bool_or('monthly_participation.has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or('monthly_participation.is_synthetic') }} as is_synthetic

    from monthly_participation
    left join programs
        on monthly_participation.program_code = programs.program_code
    group by 1, 2, 3

),

-- Enrolments: the program counts summed within the family. A person enrolled in two programs (or two plans)
-- of one family in a month is counted twice, so this is not a count of people.
family_cells as (

    select
        program_family,
        month_start_date,
        sum(cell_count) as cell_count,
        sum(count_lower) as count_lower,
        sum(count_upper) as count_upper,
        {{ dbt.bool_or('has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or('is_synthetic') }} as is_synthetic

    from program_cells
    group by 1, 2

),

item_rows as (

    select
        'program' as item_kind,
        program_code,
        program_family,
        month_start_date,
        cell_count,
        count_lower as lower_bound,
        count_upper as upper_bound,
        has_methodology_break,
        is_synthetic,
        false as is_margin

    from program_cells

    union all

    select
        'program_family' as item_kind,
        cast(null as {{ dbt.type_string() }}) as program_code,
        program_family,
        month_start_date,
        cell_count,
        count_lower as lower_bound,
        count_upper as upper_bound,
        has_methodology_break,
        is_synthetic,
        true as is_margin

    from family_cells

),

-- Each cell under one id. Every sum lies within one family and month, the partition the suppression falls
-- back to.
items as (

    select
        *,
        cast(extract(year from month_start_date) as {{ dbt.type_int() }}) as calendar_year,
        {{ exact_value('lower_bound', 'upper_bound') }} as point_value,
        {{ dbt.concat([
            'item_kind', "'|'", "coalesce(program_code, program_family, '')", "'|'",
            'cast(month_start_date as ' ~ dbt.type_string() ~ ')',
        ]) }} as item_id,
        {{ dbt.concat([
            "coalesce(program_family, '')", "'|'", 'cast(month_start_date as ' ~ dbt.type_string() ~ ')',
        ]) }} as partition_key

    from item_rows

),

-- The published sums: each family total with the program cells it adds up, named after the total.
equation_items as (

    select
        total.item_id as equation_id,
        member.item_id

    from items as total
    inner join items as member
        on
            total.program_family = member.program_family
            and total.month_start_date = member.month_start_date
    where total.item_kind = 'program_family'

),

final as (

    {{ suppress_linked('items', 'equation_items') }}

)

select * from final
