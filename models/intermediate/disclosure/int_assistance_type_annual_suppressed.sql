-- The statewide counts by assistance type and year are published on their own
-- (rpt_assistance_type_participation_by_year), and no published table adds them up or splits them (an annual
-- count is neither the sum of its months nor of its towns): a masked cell is tied to no published total, so
-- only the cells below the threshold (a count DSS published as 0 among them) are masked.
with

assistance_participation as (

    select * from {{ ref('fct_assistance_type_participation_annual') }}

),

flagged as (

    select
        program_code,
        calendar_year,
        assistance_type_as_published,
        recipient_count_lower as lower_bound,
        recipient_count_upper as upper_bound,
        {{ exact_value('recipient_count_lower', 'recipient_count_upper') }} as point_value,
        has_methodology_break,
        is_synthetic,
        {{ disclosure_flags('recipient_count_lower', 'recipient_count_upper') }}

    from assistance_participation

),

final as (

    select
        *,
        false as is_complementary_suppressed,
        is_primary_suppressed as is_suppressed

    from flagged

)

select * from final
