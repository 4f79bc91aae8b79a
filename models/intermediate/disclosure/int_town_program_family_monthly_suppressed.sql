-- The monthly town counts are published only summed within a family
-- (rpt_town_program_family_trends_by_month), and no sum of those cells is published: a masked cell is tied to
-- no published total, so only the cells below the threshold are masked. Changes and averages are masked
-- whenever a month they use is.
with

town_program_months as (

    select * from {{ ref('fct_town_program_participation_monthly') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

towns as (

    select * from {{ ref('dim_town') }}

),

-- Enrolments: the town's program-level monthly enrolments (themselves sums of TOA codes) summed within the
-- family. A person in two programs or codes of one family in a month counts twice: not a count of people.
-- Towns only: Unknown and Out of State are not places.
family_months as (

    select
        town_program_months.town_key,
        programs.program_family,
        town_program_months.month_start_date,
        count(*) as cell_count,
        max(town_program_months.load_id) as load_id,
        sum(town_program_months.enrolments_lower) as lower_bound,
        sum(town_program_months.enrolments_upper) as upper_bound,
        {{ dbt.bool_or('town_program_months.has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or('town_program_months.is_synthetic') }} as is_synthetic

    from town_program_months
    inner join programs
        on town_program_months.program_code = programs.program_code
    inner join towns
        on town_program_months.town_key = towns.town_key
    where not towns.is_special
    group by town_program_months.town_key, programs.program_family, town_program_months.month_start_date

),

flagged as (

    select
        *,
        cast(extract(year from month_start_date) as {{ dbt.type_int() }}) as calendar_year,
        {{ exact_value('lower_bound', 'upper_bound') }} as point_value,
        {{ disclosure_flags('lower_bound', 'upper_bound') }}

    from family_months

),

final as (

    select
        *,
        false as is_complementary_suppressed,
        is_primary_suppressed as is_suppressed

    from flagged

)

select * from final
