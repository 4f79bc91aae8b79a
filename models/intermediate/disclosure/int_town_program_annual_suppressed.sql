-- The annual town counts are published three ways: per town and program (rpt_town_participation_by_program),
-- summed over the towns of a county or planning region (rpt_town_participation_by_region) and summed over the
-- programs of a family (rpt_town_program_family_trends_by_year). The sums are published, so a cell masked in
-- one table could be solved from the others: the three are suppressed here as one system, once per cell.
-- A table: the rpt_ models and qa_disclosure_cells read it, and the passes should run once, not per reader.
{{ config(materialized='table') }}

with

town_participation as (

    select * from {{ ref('fct_town_program_participation_annual') }}

),

geography_totals as (

    select * from {{ ref('int_town_program_annual_rolled_up_by_geography') }}

),

family_totals as (

    select * from {{ ref('int_town_program_annual_rolled_up_by_family') }}

),

towns as (

    select * from {{ ref('dim_town') }}

),

programs as (

    select * from {{ ref('dim_program') }}

),

-- Towns only: Unknown, Out of State and Statewide are not places and belong to no county or region.
town_cells as (

    select
        town_participation.town_key,
        town_participation.program_code,
        programs.program_family,
        town_participation.calendar_year,
        towns.county_fips,
        towns.planning_region_fips,
        town_participation.recipient_count_lower,
        town_participation.recipient_count_upper

    from town_participation
    inner join towns
        on town_participation.town_key = towns.town_key
    inner join programs
        on town_participation.program_code = programs.program_code
    where not towns.is_special

),

-- Every published cell of the three tables.
item_rows as (

    select
        'town_program' as item_kind,
        town_key,
        program_code,
        program_family,
        calendar_year,
        cast(null as {{ dbt.type_string() }}) as geography_level,
        cast(null as {{ dbt.type_string() }}) as geography_fips,
        recipient_count_lower as lower_bound,
        recipient_count_upper as upper_bound,
        false as is_margin

    from town_cells

    union all

    select
        geography_level as item_kind,
        cast(null as {{ dbt.type_string() }}) as town_key,
        program_code,
        program_family,
        calendar_year,
        geography_level,
        geography_fips,
        recipient_count_lower as lower_bound,
        recipient_count_upper as upper_bound,
        true as is_margin

    from geography_totals

    union all

    select
        'town_family' as item_kind,
        town_key,
        cast(null as {{ dbt.type_string() }}) as program_code,
        program_family,
        calendar_year,
        cast(null as {{ dbt.type_string() }}) as geography_level,
        cast(null as {{ dbt.type_string() }}) as geography_fips,
        enrolments_lower as lower_bound,
        enrolments_upper as upper_bound,
        true as is_margin

    from family_totals

),

-- Each cell under one id. Every sum lies within one year and one family, the partition the suppression
-- falls back to.
items as (

    select
        *,
        {{ dbt.concat([
            'item_kind', "'|'", 'coalesce(town_key, geography_fips)', "'|'",
            'coalesce(program_code, program_family)', "'|'", 'cast(calendar_year as ' ~ dbt.type_string() ~ ')',
        ]) }} as item_id,
        {{ dbt.concat([
            'cast(calendar_year as ' ~ dbt.type_string() ~ ')', "'|'", 'program_family',
        ]) }} as partition_key

    from item_rows

),

-- The published sums: each county or region total and each family total with the town cells it adds up.
-- A sum is named after its total.
equation_items as (

    select
        total.item_id as equation_id,
        total.item_id

    from items as total
    where total.is_margin

    union all

    select
        total.item_id as equation_id,
        member.item_id

    from items as total
    inner join town_cells
        on
            total.program_code = town_cells.program_code
            and total.calendar_year = town_cells.calendar_year
            and total.geography_fips = case
                when total.geography_level = 'county' then town_cells.county_fips
                else town_cells.planning_region_fips
            end
    inner join items as member
        on
            member.item_kind = 'town_program'
            and town_cells.town_key = member.town_key
            and town_cells.program_code = member.program_code
            and town_cells.calendar_year = member.calendar_year
    where total.item_kind in ('county', 'planning_region')

    union all

    select
        total.item_id as equation_id,
        member.item_id

    from items as total
    inner join items as member
        on
            member.item_kind = 'town_program'
            and total.town_key = member.town_key
            and total.program_family = member.program_family
            and total.calendar_year = member.calendar_year
    where total.item_kind = 'town_family'

),

final as (

    {{ suppress_linked('items', 'equation_items') }}

)

select * from final
