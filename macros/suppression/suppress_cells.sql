{#- Primary and complementary small-cell suppression of the cells of an arbitrary relation or CTE.
    Renders one self-contained select statement (arguments are documented in _suppression__macros.yml):

        {{ suppress_cells('cells', lower_column='recipient_count_lower',
                          cell_id=['program_code', 'calendar_year', 'geography_fips'],
                          group_by=[['program_code', 'calendar_year']]) }}

    Output: every row and column of the relation, plus is_primary_suppressed, is_complementary_suppressed and
    is_suppressed. Nothing is masked here: callers null their published values with mask_if_suppressed().

    Primary: a cell whose lower bound is below the threshold (or unknown) is suppressed.
    Complementary: in every group of every grouping set that has exactly one suppressed cell and at least one
    other cell, the unsuppressed cell with the smallest lower bound (ties broken by cell_id) is suppressed too.
    Each pass applies that rule to every grouping set at once, and max_passes passes are unrolled (one grouping
    set settles in one pass; overlapping sets usually in a few). If the passes have not settled, every cell of
    each unsettled partition (the cells sharing the columns common to all grouping sets) is suppressed, which is
    stable by construction. The generic test no_group_with_one_suppressed_cell checks the result. -#}

{% macro suppress_cells(
    relation,
    lower_column,
    cell_id,
    group_by=[],
    threshold=none,
    max_passes=8
) -%}
    {%- set threshold = var('suppression_threshold') if threshold is none else threshold -%}
    {%- if cell_id is string -%}
        {%- set cell_id = [cell_id] -%}
    {%- endif -%}
    {%- if group_by is string -%}
        {%- set grouping_sets = [[group_by]] -%}
    {%- elif group_by | length == 0 -%}
        {%- set grouping_sets = [[]] -%}
    {%- elif group_by[0] is string -%}
        {%- set grouping_sets = [group_by] -%}
    {%- else -%}
        {%- set grouping_sets = group_by -%}
    {%- endif -%}
    {%- set carried = [] -%}
    {%- for column in cell_id -%}
        {%- if column not in carried -%}{%- do carried.append(column) -%}{%- endif -%}
    {%- endfor -%}
    {%- for grouping in grouping_sets -%}
        {%- for column in grouping -%}
            {%- if column not in carried -%}{%- do carried.append(column) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set carried_csv = carried | join(', ') -%}
    {%- set common = [] -%}
    {%- for column in grouping_sets[0] -%}
        {%- set sets_without_column = [] -%}
        {%- for grouping in grouping_sets if column not in grouping -%}
            {%- do sets_without_column.append(grouping) -%}
        {%- endfor -%}
        {%- if sets_without_column | length == 0 -%}{%- do common.append(column) -%}{%- endif -%}
    {%- endfor -%}
    {%- set order_by_cell_id = cell_id | join(', ') -%}

    with

    suppression_pass_0 as (

        select
            {{ carried_csv }},
            {{ lower_column }} as suppression_lower_bound,
            coalesce({{ lower_column }} < {{ threshold }}, true) as is_primary_suppressed,
            coalesce({{ lower_column }} < {{ threshold }}, true) as is_suppressed

        from {{ relation }}

    ),

    {%- for pass_number in range(1, max_passes + 1) %}

    suppression_ranked_{{ pass_number }} as (

        select
            *,
            {%- for grouping in grouping_sets %}
            {%- set partition = ('partition by ' ~ (grouping | join(', '))) if grouping | length > 0 else '' %}
            sum(case when is_suppressed then 1 else 0 end) over (
                {{ partition }}
            ) as suppressed_in_group_{{ loop.index }},
            count(*) over (
                {{ partition }}
            ) as cells_in_group_{{ loop.index }},
            row_number() over (
                {{ partition }}
                order by case when is_suppressed then 1 else 0 end, suppression_lower_bound, {{ order_by_cell_id }}
            ) as unsuppressed_rank_in_group_{{ loop.index }}{{ ',' if not loop.last }}
            {%- endfor %}

        from suppression_pass_{{ pass_number - 1 }}

    ),

    suppression_pass_{{ pass_number }} as (

        select
            {{ carried_csv }},
            suppression_lower_bound,
            is_primary_suppressed,
            is_suppressed
            {%- for grouping in grouping_sets %}
            or (
                suppressed_in_group_{{ loop.index }} = 1
                and cells_in_group_{{ loop.index }} > 1
                and unsuppressed_rank_in_group_{{ loop.index }} = 1
            )
            {%- endfor %} as is_suppressed

        from suppression_ranked_{{ pass_number }}

    ),

    {%- endfor %}

    -- If the passes have not settled, suppress every cell of each unsettled partition (cells sharing the
    -- columns common to all grouping sets). Every group lies inside one partition, so this is stable at once.
    suppression_unsettled as (

        select
            *,
            {%- for grouping in grouping_sets %}
            {%- set partition = ('partition by ' ~ (grouping | join(', '))) if grouping | length > 0 else '' %}
            case
                when
                    sum(case when is_suppressed then 1 else 0 end) over ({{ partition }}) = 1
                    and count(*) over ({{ partition }}) > 1
                    then 1
                else 0
            end as is_unsettled_group_{{ loop.index }}{{ ',' if not loop.last }}
            {%- endfor %}

        from suppression_pass_{{ max_passes }}

    ),

    suppression_settled as (

        select
            {{ carried_csv }},
            is_primary_suppressed,
            is_suppressed or max(
                {%- for grouping in grouping_sets %}
                {{ '+ ' if not loop.first }}is_unsettled_group_{{ loop.index }}
                {%- endfor %}
            ) over ({{ ('partition by ' ~ (common | join(', '))) if common | length > 0 else '' }}) > 0
            as is_suppressed

        from suppression_unsettled

    ),

    suppression_result as (

        select
            suppressed_cells.*,
            suppression_flags.is_primary_suppressed,
            suppression_flags.is_suppressed and not suppression_flags.is_primary_suppressed
            as is_complementary_suppressed,
            suppression_flags.is_suppressed

        from {{ relation }} as suppressed_cells
        inner join suppression_settled as suppression_flags
            on
            {%- for column in cell_id %}
                {{ 'and ' if not loop.first }}{{ ctdss.null_safe_equals(
                    'suppressed_cells.' ~ column, 'suppression_flags.' ~ column
                ) }}
            {%- endfor %}

    )

    select * from suppression_result
{%- endmacro %}


{#- The published form of a value: null when the cell is suppressed. -#}
{% macro mask_if_suppressed(expression, suppressed_flag='is_suppressed') -%}
    case when not {{ suppressed_flag }} then {{ expression }} end
{%- endmacro %}
