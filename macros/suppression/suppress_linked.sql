{#- Small-cell suppression of linked published tables, decided once per cell (arguments are documented in
    _suppression__macros.yml). Renders one self-contained select statement:

        {{ suppress_linked('items', 'equation_items') }}

    `items` holds every published cell of the linked tables (the cells and the totals over them) and
    `equation_items` lists, per published sum, the total and its members. Output: every row and column of
    `items`, plus is_open_at_source, is_sensitive, is_primary_suppressed, is_complementary_suppressed and
    is_suppressed.

    A cell whose value the source left open (lower bound 0, upper above it: a count DSS published as 0, or a
    total of such counts) is masked and is neither protected nor used as cover: nobody knows its value, the
    warehouse included. A sensitive cell (a known value below the threshold) is masked and needs cover: in
    every sum it is part of, the masked cells that are not open must be two or more, and one of them must be
    neither sensitive nor the total of another sum. Two small cells covering each other can still be pinned by
    the other sums they share, and a masked total gives a sum above it only what its own masked members can.
    Each pass masks, in every sum short of that, its total if published, else a member chosen by a hash of
    its id; a total is preferred because masking it frees the sum entirely, and a hash because an order by
    size would tell an attacker how large a masked complement is. After max_passes, every item of a partition
    that still has a short sum is masked. -#}

{% macro suppress_linked(items, equation_items, threshold=none, max_passes=8) -%}
    {%- set threshold = var('suppression_threshold') if threshold is none else threshold %}

    with

    suppression_items as (

        select
            item_id,
            partition_key,
            is_margin,
            {{ dbt.hash('item_id') }} as suppression_tie_breaker,
            {{ ctdss.disclosure_flags('lower_bound', 'upper_bound', threshold) }}

        from {{ items }}

    ),

    -- One row per item of each sum, so that every pass reads the one before it once (engines that do not
    -- keep a step's result compute it again for every reader).
    suppression_pass_0 as (

        select
            member.equation_id,
            item_state.*,
            item_state.is_primary_suppressed as is_suppressed

        from {{ equation_items }} as member
        inner join suppression_items as item_state
            on member.item_id = item_state.item_id

    ),

    {%- for pass_number in range(1, max_passes + 1) %}

    suppression_chosen_{{ pass_number }} as (

        select
            *,
            is_short and not is_suppressed and candidate_rank = 1 as is_chosen

        from ({{ ctdss.short_sums('suppression_pass_' ~ (pass_number - 1)) }}) as sums

    ),

    suppression_pass_{{ pass_number }} as (

        select
            {{ ctdss.suppression_state_columns() }},
            is_suppressed or max(case when is_chosen then 1 else 0 end) over (partition by item_id) = 1
            as is_suppressed

        from suppression_chosen_{{ pass_number }}

    ),

    {%- endfor %}

    -- A sum still short after the passes (with an item left to mask) masks its whole partition, which holds
    -- every sum of its items, so that no sum there is left to pin a value.
    suppression_unsettled as (

        select
            *,
            max(case when is_short and not is_suppressed then 1 else 0 end) over (partition by partition_key) = 1
            as is_unsettled

        from ({{ ctdss.short_sums('suppression_pass_' ~ max_passes) }}) as sums

    ),

    suppression_decisions as (

        select
            item_id,
            max(case when is_suppressed or is_unsettled then 1 else 0 end) = 1 as is_suppressed

        from suppression_unsettled
        group by item_id

    )

    select
        suppressed_items.*,
        suppression_items.is_open_at_source,
        suppression_items.is_sensitive,
        suppression_items.is_primary_suppressed,
        coalesce(suppression_decisions.is_suppressed, suppression_items.is_primary_suppressed)
        and not suppression_items.is_primary_suppressed as is_complementary_suppressed,
        coalesce(suppression_decisions.is_suppressed, suppression_items.is_primary_suppressed) as is_suppressed

    from {{ items }} as suppressed_items
    inner join suppression_items
        on suppressed_items.item_id = suppression_items.item_id
    left join suppression_decisions
        on suppressed_items.item_id = suppression_decisions.item_id
{%- endmacro %}


{#- The item state columns a pass of suppress_linked carries from one pass to the next. -#}
{% macro suppression_state_columns() -%}
    equation_id,
    item_id,
    partition_key,
    is_margin,
    suppression_tie_breaker,
    is_open_at_source,
    is_sensitive,
    is_primary_suppressed
{%- endmacro %}


{#- A pass of suppress_linked (one row per item of each sum) with, per row, whether its sum leaves a masked
    value unprotected (is_short: the masked items that are not open at source are exactly one, or none of them
    is neither sensitive nor the total of another sum; a sum is named after its total) and the row's rank as
    the sum's next complement (candidate_rank: unmasked items first, the total before members, then by a hash
    of the id). -#}
{% macro short_sums(item_states) -%}
    select
        {{ ctdss.suppression_state_columns() }},
        is_suppressed,
        covering_items = 1 or (covering_items > 1 and covering_items_not_sensitive = 0) as is_short,
        row_number() over (
            partition by equation_id
            order by
                case when is_suppressed then 1 else 0 end,
                case when is_margin then 0 else 1 end,
                suppression_tie_breaker,
                item_id
        ) as candidate_rank

    from (
        select
            *,
            sum(case when is_covering then 1 else 0 end) over (partition by equation_id) as covering_items,
            sum(
                case
                    when is_covering and not is_sensitive and (not is_margin or item_id = equation_id) then 1
                    else 0
                end
            ) over (partition by equation_id) as covering_items_not_sensitive

        from (
            select
                *,
                is_suppressed and not is_open_at_source as is_covering
            from {{ item_states }}
        ) as item_states
    ) as sums
{%- endmacro %}


{#- The disclosure flags of one cell from its bounds: is_open_at_source (the source left the value open: lower
    bound 0 and upper bound above it), is_sensitive (a value the warehouse knows is below the threshold, or no
    bound at all) and is_primary_suppressed (the lower bound is below the threshold, or unknown). -#}
{% macro disclosure_flags(lower_bound, upper_bound, threshold=none) -%}
    {%- set threshold = var('suppression_threshold') if threshold is none else threshold -%}
    coalesce({{ lower_bound }} = 0 and {{ upper_bound }} > 0, false) as is_open_at_source,
    coalesce({{ lower_bound }} < {{ threshold }}, true)
    and not coalesce({{ lower_bound }} = 0 and {{ upper_bound }} > 0, false) as is_sensitive,
    coalesce({{ lower_bound }} < {{ threshold }}, true) as is_primary_suppressed
{%- endmacro %}


{#- The published form of a value: null when the cell is suppressed. -#}
{% macro mask_if_suppressed(expression, suppressed_flag='is_suppressed') -%}
    case when not {{ suppressed_flag }} then {{ expression }} end
{%- endmacro %}


{#- The published count of a suppressed cell and its bounds, from a step with the columns point_value,
    lower_bound, upper_bound and is_suppressed (the disclosure models' cells): `<name>`, `<name>_lower` and
    `<name>_upper`, each masked where the cell is suppressed. -#}
{% macro published_count_columns(cells, name='recipient_count') -%}
    {%- for column, suffix in [('point_value', ''), ('lower_bound', '_lower'), ('upper_bound', '_upper')] %}
        cast(
            {{ mask_if_suppressed(cells ~ '.' ~ column) }} as {{ dbt.type_bigint() }}
        ) as {{ name }}{{ suffix }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
