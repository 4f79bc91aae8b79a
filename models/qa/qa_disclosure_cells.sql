-- Not published: it holds the true bounds of every masked cell and why each is masked, which is exactly what
-- the public tables must not tell. `ctdss audit` reads it to judge what an attacker could learn.
with

town_program_annual as (

    select * from {{ ref('int_town_program_annual_suppressed') }}

),

program_monthly as (

    select * from {{ ref('int_program_monthly_suppressed') }}

),

town_program_family_monthly as (

    select * from {{ ref('int_town_program_family_monthly_suppressed') }}

),

town_race_annual as (

    select * from {{ ref('int_town_race_annual_suppressed') }}

),

assistance_type_annual as (

    select * from {{ ref('int_assistance_type_annual_suppressed') }}

),

cells as (

    select
        case item_kind
            when 'town_program' then 'rpt_town_participation_by_program'
            when 'town_family' then 'rpt_town_program_family_trends_by_year'
            else 'rpt_town_participation_by_region'
        end as table_name,
        town_key,
        case when item_kind = 'town_family' then null else program_code end as program_code,
        case when item_kind = 'town_family' then program_family end as program_family,
        cast(null as {{ dbt.type_string() }}) as race_key,
        geography_level,
        geography_fips,
        calendar_year,
        cast(null as date) as month_start_date,
        lower_bound,
        upper_bound,
        is_open_at_source,
        is_sensitive,
        is_primary_suppressed,
        is_complementary_suppressed,
        is_suppressed

    from town_program_annual

    union all

    select
        case item_kind
            when 'program' then 'rpt_program_participation_by_month'
            else 'rpt_program_family_trends_by_month'
        end as table_name,
        cast(null as {{ dbt.type_string() }}) as town_key,
        program_code,
        case when item_kind = 'program_family' then program_family end as program_family,
        cast(null as {{ dbt.type_string() }}) as race_key,
        cast(null as {{ dbt.type_string() }}) as geography_level,
        cast(null as {{ dbt.type_string() }}) as geography_fips,
        cast(null as {{ dbt.type_int() }}) as calendar_year,
        month_start_date,
        lower_bound,
        upper_bound,
        is_open_at_source,
        is_sensitive,
        is_primary_suppressed,
        is_complementary_suppressed,
        is_suppressed

    from program_monthly

    union all

    select
        'rpt_town_program_family_trends_by_month' as table_name,
        town_key,
        cast(null as {{ dbt.type_string() }}) as program_code,
        program_family,
        cast(null as {{ dbt.type_string() }}) as race_key,
        cast(null as {{ dbt.type_string() }}) as geography_level,
        cast(null as {{ dbt.type_string() }}) as geography_fips,
        cast(null as {{ dbt.type_int() }}) as calendar_year,
        month_start_date,
        lower_bound,
        upper_bound,
        is_open_at_source,
        is_sensitive,
        is_primary_suppressed,
        is_complementary_suppressed,
        is_suppressed

    from town_program_family_monthly

    union all

    select
        'rpt_town_participation_by_race' as table_name,
        town_key,
        cast(null as {{ dbt.type_string() }}) as program_code,
        cast(null as {{ dbt.type_string() }}) as program_family,
        race_key,
        cast(null as {{ dbt.type_string() }}) as geography_level,
        cast(null as {{ dbt.type_string() }}) as geography_fips,
        calendar_year,
        cast(null as date) as month_start_date,
        lower_bound,
        upper_bound,
        is_open_at_source,
        is_sensitive,
        is_primary_suppressed,
        is_complementary_suppressed,
        is_suppressed

    from town_race_annual

    union all

    select
        'rpt_assistance_type_participation_by_year' as table_name,
        cast(null as {{ dbt.type_string() }}) as town_key,
        program_code,
        cast(null as {{ dbt.type_string() }}) as program_family,
        cast(null as {{ dbt.type_string() }}) as race_key,
        cast(null as {{ dbt.type_string() }}) as geography_level,
        cast(null as {{ dbt.type_string() }}) as geography_fips,
        calendar_year,
        cast(null as date) as month_start_date,
        lower_bound,
        upper_bound,
        is_open_at_source,
        is_sensitive,
        is_primary_suppressed,
        is_complementary_suppressed,
        is_suppressed

    from assistance_type_annual

)

select
    table_name,
    town_key,
    program_code,
    program_family,
    race_key,
    geography_level,
    geography_fips,
    calendar_year,
    month_start_date,
    lower_bound as value_lower,
    upper_bound as value_upper,
    is_open_at_source,
    is_sensitive,
    is_primary_suppressed,
    is_complementary_suppressed,
    is_suppressed

from cells
