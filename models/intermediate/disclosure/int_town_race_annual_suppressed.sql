-- The town counts by race are published on their own (rpt_town_participation_by_race), and no sum of them is
-- published: a masked cell is tied to no published total, so only the cells below the threshold are masked.
with

town_race_years as (

    select * from {{ ref('fct_town_race_participation_annual') }}

),

towns as (

    select * from {{ ref('dim_town') }}

),

-- Towns only: Unknown and Out of State are not places.
flagged as (

    select
        town_race_years.town_key,
        town_race_years.race_key,
        town_race_years.calendar_year,
        town_race_years.recipient_count_lower as lower_bound,
        town_race_years.recipient_count_upper as upper_bound,
        {{ exact_value(
            'town_race_years.recipient_count_lower', 'town_race_years.recipient_count_upper',
        ) }} as point_value,
        town_race_years.has_methodology_break,
        town_race_years.is_synthetic,
        {{ disclosure_flags(
            'town_race_years.recipient_count_lower', 'town_race_years.recipient_count_upper',
        ) }}

    from town_race_years
    inner join towns
        on town_race_years.town_key = towns.town_key
    where not towns.is_special

),

final as (

    select
        *,
        false as is_complementary_suppressed,
        is_primary_suppressed as is_suppressed

    from flagged

)

select * from final
