with

programs as (

    select * from {{ ref('programs') }}

),

final as (

    select
        -- ids
        cast(program_code as {{ dbt.type_string() }}) as program_code,

        -- strings
        cast(program_name as {{ dbt.type_string() }}) as program_name,
        cast(program_family as {{ dbt.type_string() }}) as program_family,
        cast(medical_benefit_plan as {{ dbt.type_string() }}) as medical_benefit_plan,
        cast(description as {{ dbt.type_string() }}) as program_description,

        -- dates
        cast(valid_from as date) as valid_from_date,
        cast(valid_to as date) as valid_to_date

    from programs

)

select * from final
