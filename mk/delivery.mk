# Delivery to analysts and BI tools: the two published files and their exports, the docs site and the report.
# Included by the Makefile, which defines BIN and exports CTDSS_DB (the private working file dbt builds into).
# The analysts' file (marts and reports, unsuppressed facts) stays inside the agency; the public release
# (suppressed reports only, its exports and the report site) is the one to share outside it.
export CTDSS_ANALYSTS_DB ?= warehouse/analysts/ct_dss_analysts.duckdb
export CTDSS_ANALYSTS_EXPORTS_DIR ?= warehouse/analysts/exports
export CTDSS_PUBLIC_DB ?= warehouse/public/ct_dss_public.duckdb
export CTDSS_PUBLIC_EXPORTS_DIR ?= warehouse/public/exports
DOCS_PORT ?= 8080
export CTDSS_REPORT ?= warehouse/public/report

.PHONY: publish lineage audit docs docs-generate report

publish: setup audit ## Audit, then publish the analysts' file and the public release atomically, read-only, with their exports
	$(BIN)/ctdss publish

lineage: setup ## Trace every column to its portal field from the compiled SQL; write marts.column_lineage
	$(BIN)/ctdss lineage

# Reads the working file (read-only) and writes qa.qa_disclosure_intervals into it; fails when a masked cell is not
# protected. AUDIT_ARGS passes options, e.g. AUDIT_ARGS="--threshold 11".
AUDIT_ARGS ?=

audit: setup ## Attack the published tables by linear programming; fail if a masked cell can be narrowed too far
	$(BIN)/ctdss audit $(AUDIT_ARGS)

docs-generate: setup ## Generate the dbt docs as one static page (target/static_index.html), with column lineage
	@mkdir -p $(dir $(CTDSS_DB))
	$(BIN)/dbt docs generate --static --quiet
	$(BIN)/ctdss lineage --docs
	@echo "Docs written to target/static_index.html"

docs: docs-generate ## Generate the dbt docs and serve them on http://127.0.0.1:8080 (DOCS_PORT sets the port)
	@echo "Serving the docs on http://127.0.0.1:$(DOCS_PORT)/static_index.html (Ctrl-C stops)"
	$(BIN)/python -m http.server $(DOCS_PORT) --bind 127.0.0.1 --directory target

report: setup ## Write the participation report site (warehouse/public/report/index.html) from the public release
	$(BIN)/ctdss report
