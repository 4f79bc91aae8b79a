with

monthly_participation as (

    select * from {{ ref('fct_program_participation_monthly') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

-- A program's medical benefit plans are added within the program (bounds add; the point value only while
-- every plan is exact). Programs are never added together.
program_months as (

    select
        program_code,
        month_start_date,
        count(*) as plan_count,
        sum(recipient_count_lower) as recipient_count_lower,
        sum(recipient_count_upper) as recipient_count_upper,
        {{ dbt.bool_or('has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or('is_synthetic') }} as is_synthetic

    from monthly_participation
    group by 1, 2

),

cells as (

    select
        *,
        cast(extract(year from month_start_date) as {{ dbt.type_int() }}) as calendar_year,
        case
            when recipient_count_lower = recipient_count_upper then recipient_count_lower
        end as recipient_count

    from program_months

),

-- The months of one program's calendar year are the published group, as for the program family trends.
suppressed as (

    {{ suppress_cells(
        'cells',
        lower_column='recipient_count_lower',
        cell_id=['program_code', 'month_start_date'],
        group_by=[['program_code', 'calendar_year']],
    ) }}

),

final as (

    select
        -- ids
        suppressed.program_code,
        suppressed.month_start_date,

        -- strings
        programs.program_name,
        programs.program_family,

        -- numerics
        suppressed.calendar_year,
        cast(suppressed.plan_count as {{ dbt.type_int() }}) as medical_benefit_plan_count,
        cast(
            {{ mask_if_suppressed('suppressed.recipient_count') }} as {{ dbt.type_bigint() }}
        ) as recipient_count,
        cast(
            {{ mask_if_suppressed('suppressed.recipient_count_lower') }} as {{ dbt.type_bigint() }}
        ) as recipient_count_lower,
        cast(
            {{ mask_if_suppressed('suppressed.recipient_count_upper') }} as {{ dbt.type_bigint() }}
        ) as recipient_count_upper,

        -- booleans
        suppressed.is_suppressed,
        suppressed.is_primary_suppressed,
        suppressed.is_complementary_suppressed,
        suppressed.has_methodology_break,
        suppressed.is_synthetic

    from suppressed
    left join programs
        on suppressed.program_code = programs.program_code

)

select * from final
