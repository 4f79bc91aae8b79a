-- A view over every kind's bounded model: it holds no logic of its own (the rules are the macro
-- bound_participation's, applied in each kind's model), so that a fact reads its own kinds' models and a
-- new publication of one kind rebuilds only what that kind feeds. The readers that span every kind (the
-- quarantine, dim_month, the whole-warehouse checks) read this.
with

program_annual as (

    select * from {{ ref('int_program_annual_bounded') }}

),

town_program_annual as (

    select * from {{ ref('int_town_program_annual_bounded') }}

),

program_monthly as (

    select * from {{ ref('int_program_monthly_bounded') }}

),

town_assistance_monthly as (

    select * from {{ ref('int_town_assistance_monthly_bounded') }}

),

town_assistance_annual as (

    select * from {{ ref('int_town_assistance_annual_bounded') }}

),

assistance_annual as (

    select * from {{ ref('int_assistance_annual_bounded') }}

),

town_race_annual as (

    select * from {{ ref('int_town_race_annual_bounded') }}

),

unioned as (

    select * from program_annual
    union all
    select * from town_program_annual
    union all
    select * from program_monthly
    union all
    select * from town_assistance_monthly
    union all
    select * from town_assistance_annual
    union all
    select * from assistance_annual
    union all
    select * from town_race_annual

)

select * from unioned
