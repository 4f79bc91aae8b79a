with

towns as (

    select * from {{ ref('ct_towns') }}

),

final as (

    select
        -- ids
        cast(town_key as {{ dbt.type_string() }}) as town_key,
        cast(town_fips_2020 as {{ dbt.type_string() }}) as town_fips_2020,
        cast(town_fips_2022 as {{ dbt.type_string() }}) as town_fips_2022,
        cast(county_fips as {{ dbt.type_string() }}) as county_fips,
        cast(planning_region_fips as {{ dbt.type_string() }}) as planning_region_fips,

        -- strings
        cast(town_name as {{ dbt.type_string() }}) as town_name,
        cast(county_name as {{ dbt.type_string() }}) as county_name,
        cast(planning_region_name as {{ dbt.type_string() }}) as planning_region_name,

        -- booleans
        cast(is_special as {{ dbt.type_boolean() }}) as is_special

    from towns

)

select * from final
