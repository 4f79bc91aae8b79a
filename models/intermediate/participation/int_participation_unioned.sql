{#- Each staging model, its kind, and the staged column behind each common column (the others are null; a
    statewide kind is at town `statewide`). -#}
{%- set year = {'period_as_published': 'year_as_published', 'calendar_year': 'calendar_year'} -%}
{%- set month = {
    'period_as_published': 'month_as_published',
    'calendar_year': 'calendar_year',
    'month_start_date': 'month_start_date',
} -%}
{%- set town = {'town_key': 'town_key', 'town_as_published': 'town_as_published'} -%}
{%- set program = {'program_code': 'program_code', 'program_as_published': 'program_as_published'} -%}
{%- set assistance_type = {'program_code': 'program_code', 'program_as_published': 'assistance_type_as_published'} -%}
{%- set staged = [
    ('program_annual', 'stg_socrata__program_annual', [program, year]),
    ('town_program_annual', 'stg_socrata__town_program_annual', [town, program, year]),
    ('program_monthly', 'stg_socrata__program_monthly',
        [program, month, {'medical_benefit_plan': 'medical_benefit_plan'}]),
    ('town_assistance_monthly', 'stg_socrata__town_assistance_monthly', [
        town, assistance_type, month,
        {'assistance_type_code': 'assistance_type_code', 'medical_benefit_plan': 'medical_benefit_plan'},
    ]),
    ('town_assistance_annual', 'stg_socrata__town_assistance_annual', [town, assistance_type, year]),
    ('assistance_annual', 'stg_socrata__assistance_annual', [assistance_type, year]),
    ('town_race_annual', 'stg_socrata__town_race_annual',
        [town, year, {'race_key': 'race_key', 'race_as_published': 'race_as_published'}]),
] -%}
{%- set null_text = dbt.cast('null', dbt.type_string()) -%}
{%- set defaults = [
    ('program_code', null_text),
    ('program_as_published', null_text),
    ('assistance_type_code', null_text),
    ('race_key', null_text),
    ('race_as_published', null_text),
    ('town_key', "'statewide'"),
    ('town_as_published', null_text),
    ('medical_benefit_plan', null_text),
    ('period_as_published', null_text),
    ('calendar_year', dbt.cast('null', dbt.type_int())),
    ('month_start_date', 'cast(null as date)'),
] -%}

with

{% for kind, model, parts in staged %}
{{ model }} as (

    select * from {{ ref(model) }}

),
{% endfor %}

dataset_kinds as (

    {{ dataset_kinds() }}

),

unioned as (
{% for kind, model, parts in staged %}
    {%- set mapped = {} -%}
    {%- for part in parts -%}{%- do mapped.update(part) -%}{%- endfor %}
    select
        '{{ kind }}' as dataset_kind,
        source_dataset_id,
        source_row_id,
        load_id,
        {%- for column, default in defaults %}
        {{ mapped.get(column, default) }} as {{ column }},
        {%- endfor %}
        count_as_published,
        count_issue,
        period_issue,
        recipient_count,
        is_synthetic,
        source_rows_updated_at,
        loaded_at

    from {{ model }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
),

-- The period a count covers follows from its kind's period grain in the registry.
final as (

    select
        unioned.*,
        dataset_kinds.geography,
        dataset_kinds.period_grain,
        dataset_kinds.fact_series,
        case
            when dataset_kinds.period_grain = 'month' then unioned.month_start_date
            else {{ date_from_parts('unioned.calendar_year', 1, 1) }}
        end as period_start_date,
        case
            when dataset_kinds.period_grain = 'month'
                then cast({{ dbt.last_day('unioned.month_start_date', 'month') }} as date)
            else {{ date_from_parts('unioned.calendar_year', 12, 31) }}
        end as period_end_date

    from unioned
    left join dataset_kinds
        on unioned.dataset_kind = dataset_kinds.dataset_kind

)

select * from final
