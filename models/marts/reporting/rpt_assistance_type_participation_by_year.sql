with

suppressed_cells as (

    select * from {{ ref('int_assistance_type_annual_suppressed') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

-- The cells with their decisions (the lineage check knows a mask by the is_suppressed of a step so named).
suppression_result as (

    select * from suppressed_cells

),

final as (

    select
        -- ids
        suppression_result.program_code,
        suppression_result.calendar_year,

        -- strings
        programs.program_name,
        programs.program_family,
        suppression_result.assistance_type_as_published,

        -- numerics
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
