# One verb per step. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export CTDSS_DB ?= warehouse/ct_dss.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
# The state of the last successful build (dbt artifacts), against which `make update` selects what to build.
export CTDSS_STATE_DIR ?= warehouse/state
SAMPLE := data/sample
# Extra arguments for the loader in `make update`, e.g. LOAD_ARGS="--snapshot DIR".
LOAD_ARGS ?=

# Fragments for the delivery (publish, docs, report) and benchmark targets.
-include mk/*.mk

.PHONY: help setup generate sample load load-sample demo update models models-changed build refresh dbt-build dbt-refresh \
	test pytest lint docs publish \
	report bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install the pinned dependencies (once)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

generate: setup ## Regenerate the dbt models and checks every dataset kind shares from the registry
	$(BIN)/ctdss generate

sample: setup ## Regenerate the bundled synthetic sample snapshot in data/sample (deterministic)
	$(BIN)/ctdss sample --out $(SAMPLE)

load-sample: setup ## Land the bundled synthetic sample in the raw schema
	$(BIN)/ctdss load --snapshot $(SAMPLE)

load: setup ## Land the live datasets from data.ct.gov in the raw schema
	$(BIN)/ctdss load $(LOAD_ARGS)

models: setup ## Build every dbt model (dbt build: seeds, models, snapshots, data tests); keep its state for updates
	@mkdir -p $(dir $(CTDSS_DB))
	$(BIN)/ctdss build --full || { $(BIN)/ctdss unmapped; exit 1; }

models-changed: setup ## Build only the dbt models changed since the last build (every model on a first build)
	@mkdir -p $(dir $(CTDSS_DB))
	$(BIN)/ctdss build || { $(BIN)/ctdss unmapped; exit 1; }

demo: load-sample models lineage audit publish report ## Set up, build, audit and publish the warehouse and report offline from the synthetic sample

# Land what changed, build only the nodes downstream of what was landed or edited, audit the public tables, and
# publish what was rebuilt: a failed audit publishes nothing. On an empty warehouse that is everything.
update: load models-changed lineage audit ## Land from the live portal, build, audit and publish what changed (everything on a first run)
	$(BIN)/ctdss publish --changed

# The old names, kept for one release: `build` meant three things (this, `make dbt-build` and `ctdss build`).
build: update ## Old name of `make update` (kept for one release)
refresh: update ## Old name of `make update` (kept for one release)
dbt-build: models ## Old name of `make models` (kept for one release)
dbt-refresh: models-changed ## Old name of `make models-changed` (kept for one release)

# sqlfluff renders models with dbt, which opens a DuckDB file: lint against a scratch one, never the warehouse.
LINT_DB := target/lint/lint.duckdb

# Against that empty file dbt renders only the full-build branch of an incremental model, so the models that have
# another are linted a second time as an incremental run renders them (.sqlfluff-incremental).
INCREMENTAL_MODELS = $(shell grep -rl 'is_incremental()' models)

lint: setup ## ruff over Python, sqlfluff over models, macros and tests (incremental models in both branches)
	$(BIN)/ruff check scripts tests bench
	$(BIN)/ctdss generate --check
	@mkdir -p $(dir $(LINT_DB))
	CTDSS_DB=$(LINT_DB) $(BIN)/sqlfluff lint models macros tests/dbt snapshots
	CTDSS_DB=$(LINT_DB) $(BIN)/sqlfluff lint --config .sqlfluff-incremental $(INCREMENTAL_MODELS)

# The suite's time is mostly single-threaded (dbt's Python, DuckDB on small files), so lint and pytest run side by
# side and pytest spreads its modules over TEST_WORKERS processes (they share one build of the sample, but each
# repeats the session fixtures it needs, so more workers than cores only adds work). TEST_WORKERS=0 runs pytest in
# one process.
TEST_WORKERS ?= 2
# Whole modules per worker, in collection order: tests/python/conftest.py puts the long modules first.
XDIST = -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

test: setup ## Run every test (lint, and pytest including dbt build and dbt tests), side by side
	@$(MAKE) --no-print-directory -j2 lint pytest

pytest: setup ## Run pytest alone (every dbt build and dbt test), over TEST_WORKERS processes
	$(BIN)/python -m pytest $(if $(filter 0,$(TEST_WORKERS)),,$(XDIST))

clean: ## Remove build output (keeps .venv and the warehouse)
	rm -rf target logs dbt_packages
