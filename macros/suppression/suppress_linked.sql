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

    suppression_pass_0 as (

        select
            item_id,
            partition_key,
            is_margin,
            {{ dbt.hash('item_id') }} as suppression_tie_breaker,
            {{ ctdss.disclosure_flags('lower_bound', 'upper_bound', threshold) }},
            coalesce(lower_bound < {{ threshold }}, true) as is_suppressed

        from {{ items }}

    ),

    {%- for pass_number in range(1, max_passes + 1) %}
    {%- set previous = 'suppression_pass_' ~ (pass_number - 1) %}

    suppression_short_{{ pass_number }} as (

        {{ ctdss.short_sums(equation_items, previous) }}

    ),

    suppression_chosen_{{ pass_number }} as (

        select distinct item_id

        from (
            select
                candidate.item_id,
                row_number() over (
                    partition by short_sum.equation_id
                    order by
                        case when candidate.is_margin then 0 else 1 end,
                        candidate.suppression_tie_breaker,
                        candidate.item_id
                ) as candidate_rank

            from suppression_short_{{ pass_number }} as short_sum
            inner join {{ equation_items }} as member
                on short_sum.equation_id = member.equation_id
            inner join {{ previous }} as candidate
                on member.item_id = candidate.item_id
            where not candidate.is_suppressed
        ) as ranked_candidates
        where candidate_rank = 1

    ),

    suppression_pass_{{ pass_number }} as (

        select
            item_state.item_id,
            item_state.partition_key,
            item_state.is_margin,
            item_state.suppression_tie_breaker,
            item_state.is_open_at_source,
            item_state.is_sensitive,
            item_state.is_primary_suppressed,
            item_state.is_suppressed or chosen.item_id is not null as is_suppressed

        from {{ previous }} as item_state
        left join suppression_chosen_{{ pass_number }} as chosen
            on item_state.item_id = chosen.item_id

    ),

    {%- endfor %}

    -- A sum still short after the passes (with an item left to mask) masks its whole partition, which holds
    -- every sum of its items, so that no sum there is left to pin a value.
    suppression_unsettled as (

        select distinct item_state.partition_key

        from ({{ ctdss.short_sums(equation_items, 'suppression_pass_' ~ max_passes) }}) as short_sum
        inner join {{ equation_items }} as member
            on short_sum.equation_id = member.equation_id
        inner join suppression_pass_{{ max_passes }} as item_state
            on member.item_id = item_state.item_id
        where not item_state.is_suppressed

    ),

    suppression_decisions as (

        select
            item_state.item_id,
            item_state.is_open_at_source,
            item_state.is_sensitive,
            item_state.is_primary_suppressed,
            item_state.is_suppressed or unsettled.partition_key is not null as is_suppressed

        from suppression_pass_{{ max_passes }} as item_state
        left join suppression_unsettled as unsettled
            on item_state.partition_key = unsettled.partition_key

    )

    select
        suppressed_items.*,
        suppression_decisions.is_open_at_source,
        suppression_decisions.is_sensitive,
        suppression_decisions.is_primary_suppressed,
        suppression_decisions.is_suppressed and not suppression_decisions.is_primary_suppressed
        as is_complementary_suppressed,
        suppression_decisions.is_suppressed

    from {{ items }} as suppressed_items
    inner join suppression_decisions
        on suppressed_items.item_id = suppression_decisions.item_id
{%- endmacro %}


{#- The sums of `equation_items` that leave a masked value unprotected in `item_states` (a suppress_linked
    pass): those whose masked items that are not open at source are exactly one, or all sensitive or totals of
    other sums. An equation is named after its total (equation_id is the total's item_id). One row per such
    sum: equation_id. -#}
{% macro short_sums(equation_items, item_states) -%}
    select equation_id

    from (
        select
            member.equation_id,
            sum(case when item_state.is_covering then 1 else 0 end) as covering_items,
            sum(
                case
                    when
                        item_state.is_covering
                        and not item_state.is_sensitive
                        and (not item_state.is_margin or item_state.item_id = member.equation_id)
                        then 1
                    else 0
                end
            ) as covering_items_not_sensitive

        from {{ equation_items }} as member
        inner join (
            select
                item_id,
                is_margin,
                is_sensitive,
                is_suppressed and not is_open_at_source as is_covering
            from {{ item_states }}
        ) as item_state
            on member.item_id = item_state.item_id
        group by member.equation_id
    ) as sums
    where covering_items = 1 or (covering_items > 1 and covering_items_not_sensitive = 0)
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
