with

participation_bounded as (

    select * from {{ ref('int_participation_bounded') }}

),

-- Quarantined rows (see qa_quarantined_rows) are the only rows left out.
final as (

    select
        -- ids
        program_code,
        calendar_year,

        -- counts
        count_as_published,
        recipient_count,
        recipient_count_lower,
        recipient_count_upper,
        is_suppressed_at_source,

        -- methodology
        has_methodology_break,
        methodology_event_keys,
        has_restatement,
        has_definition_change,
        has_address_logic_change,
        has_reclassification,

        -- lineage
        source_dataset_id,
        source_row_id,
        load_id,
        source_rows_updated_at,
        loaded_at,
        is_synthetic

    from participation_bounded
    where dataset_kind = 'program_annual' and not is_quarantined

)

select * from final
