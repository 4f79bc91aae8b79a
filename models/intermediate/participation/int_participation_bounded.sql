-- A view over every kind's bounded model: it holds no logic of its own (the rules are the macro
-- bound_participation's, applied in each kind's model), so that a fact reads its own kinds' models and a
-- new publication of one kind rebuilds only what that kind feeds. The readers that span every kind (the
-- quarantine, dim_month, the whole-warehouse checks) read this. Each branch names its columns, in the
-- order of a kind's model that is a plain table: an incremental model partitioned on Spark has its partition
-- column (the month) last, and a union matches columns by position. (Before the kinds' tables exist, as when
-- the project is only compiled, there is no order to read, and the branches select *.)
{%- set first_kind = ref('int_program_annual_bounded') %}
{%- set columns = adapter.get_columns_in_relation(first_kind) | map(attribute='name') | list
    if execute else [] %}
{%- set column_list = columns | join(', ') if columns else '*' %}

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

    select {{ column_list }} from program_annual
    union all
    select {{ column_list }} from town_program_annual
    union all
    select {{ column_list }} from program_monthly
    union all
    select {{ column_list }} from town_assistance_monthly
    union all
    select {{ column_list }} from town_assistance_annual
    union all
    select {{ column_list }} from assistance_annual
    union all
    select {{ column_list }} from town_race_annual

)

select * from unioned
