{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='month_start_date',
        on_schema_change='fail',
    )
}}

-- One row per program, month and geography (county or planning region) of the benchmark table, built like
-- rpt_town_participation_by_region: the towns' bounds added up (never across programs), then primary and
-- complementary suppression by the project's suppress_cells macro, the geographies of one program, month and
-- level being the published group. Incremental over the same refresh window as the fact.
with

town_participation as (

    select * from {{ ref('fct_bench_town_program_participation_monthly') }}
    {% if is_incremental() %}
        where month_start_date >= cast('{{ bench_window_start(this, "month_start_date") }}' as date)
    {% endif %}

),

towns as (

    select * from {{ ref('dim_town') }}

),

town_geographies as (

    select
        town_key,
        'county' as geography_level,
        county_fips as geography_fips,
        county_name as geography_name

    from towns
    where not is_special

    union all

    select
        town_key,
        'planning_region' as geography_level,
        planning_region_fips as geography_fips,
        planning_region_name as geography_name

    from towns
    where not is_special

),

rolled_up as (

    select
        town_participation.program_code,
        town_participation.month_start_date,
        town_geographies.geography_level,
        town_geographies.geography_fips,
        town_geographies.geography_name,
        count(*) as town_count,
        sum(
            case when town_participation.is_suppressed_at_source then 1 else 0 end
        ) as towns_suppressed_at_source,
        sum(town_participation.recipient_count_lower) as recipient_count_lower,
        sum(town_participation.recipient_count_upper) as recipient_count_upper,
        {{ dbt.bool_or('town_participation.has_methodology_break') }} as has_methodology_break,
        {{ dbt.bool_or('town_participation.is_synthetic') }} as is_synthetic

    from town_participation
    inner join town_geographies
        on town_participation.town_key = town_geographies.town_key
    group by 1, 2, 3, 4, 5

),

cells as (

    select
        *,
        case
            when recipient_count_lower = recipient_count_upper then recipient_count_lower
        end as recipient_count

    from rolled_up

),

suppressed as (

    {{ suppress_cells(
        'cells',
        lower_column='recipient_count_lower',
        cell_id=['program_code', 'month_start_date', 'geography_level', 'geography_fips'],
        group_by=[['program_code', 'month_start_date', 'geography_level']],
    ) }}

),

final as (

    select
        -- ids
        program_code,
        month_start_date,
        geography_level,
        geography_fips,

        -- strings
        geography_name,

        -- numerics
        cast(town_count as {{ dbt.type_int() }}) as town_count,
        cast({{ mask_if_suppressed('recipient_count') }} as {{ dbt.type_bigint() }}) as recipient_count,
        cast(
            {{ mask_if_suppressed('recipient_count_lower') }} as {{ dbt.type_bigint() }}
        ) as recipient_count_lower,
        cast(
            {{ mask_if_suppressed('recipient_count_upper') }} as {{ dbt.type_bigint() }}
        ) as recipient_count_upper,
        cast(towns_suppressed_at_source as {{ dbt.type_int() }}) as towns_suppressed_at_source,

        -- booleans
        is_suppressed,
        is_primary_suppressed,
        is_complementary_suppressed,
        has_methodology_break,
        is_synthetic,

        -- lineage
        '{{ invocation_id }}' as dbt_invocation_id

    from suppressed

)

select * from final
