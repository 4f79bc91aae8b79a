with

suppressed_cells as (

    select * from {{ ref('int_program_monthly_suppressed') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

-- The program cells of the statewide monthly system, suppressed together with their family totals (the
-- lineage check knows a mask by the is_suppressed of a step of this name).
suppression_result as (

    select * from suppressed_cells
    where item_kind = 'program'

),

final as (

    select
        -- ids
        suppression_result.program_code,
        suppression_result.month_start_date,

        -- strings
        programs.program_name,
        programs.program_family,

        -- numerics
        suppression_result.calendar_year,
        cast(suppression_result.cell_count as {{ dbt.type_int() }}) as medical_benefit_plan_count,
        {{ published_count_columns('suppression_result') }},

        -- booleans
        suppression_result.is_suppressed,
        suppression_result.has_methodology_break,
        suppression_result.is_synthetic

    from suppression_result
    left join programs
        on suppression_result.program_code = programs.program_code

)

select * from final
