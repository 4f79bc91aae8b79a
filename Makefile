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
# The state of the last successful build (dbt artifacts), against which `make refresh` selects what to build.
export CTDSS_STATE_DIR ?= warehouse/state
SAMPLE := data/sample
# Extra arguments for the loader in `make refresh` and `make build`, e.g. LOAD_ARGS="--snapshot DIR".
LOAD_ARGS ?=

# Fragments for the delivery (publish, docs, report) and benchmark targets.
-include mk/*.mk

.PHONY: help setup models sample load load-sample demo build refresh dbt-build dbt-refresh test pytest lint docs publish \
	report bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install the pinned dependencies (once)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

models: setup ## Regenerate the dbt models and checks every dataset kind shares from the registry
	$(BIN)/ctdss models

sample: setup ## Regenerate the bundled synthetic sample snapshot in data/sample (deterministic)
	$(BIN)/ctdss sample --out $(SAMPLE)

load-sample: setup ## Land the bundled synthetic sample in the raw schema
	$(BIN)/ctdss load --snapshot $(SAMPLE)

load: setup ## Land the live datasets from data.ct.gov in the raw schema
	$(BIN)/ctdss load $(LOAD_ARGS)

dbt-build: setup ## Run dbt build on everything (seeds, models, snapshots, tests); keep its state for refreshes
	@mkdir -p $(dir $(CTDSS_DB))
	$(BIN)/ctdss build --full || { $(BIN)/ctdss unmapped; exit 1; }

dbt-refresh: setup ## dbt build of only what changed since the last build (everything on a first build)
	@mkdir -p $(dir $(CTDSS_DB))
	$(BIN)/ctdss build || { $(BIN)/ctdss unmapped; exit 1; }

demo: load-sample dbt-build lineage audit publish report ## Set up, build, audit and publish the warehouse and report offline from the synthetic sample

# Land what changed, build only the nodes downstream of what was landed or edited, audit the public tables, and
# publish what was rebuilt: a failed audit publishes nothing.
refresh: load dbt-refresh lineage audit ## Land, build and publish only what changed since the last build (from the portal)
	$(BIN)/ctdss publish --changed

build: refresh ## Set up, build and publish the warehouse from the live portal (a refresh once built)

# sqlfluff renders models with dbt, which opens a DuckDB file: lint against a scratch one, never the warehouse.
LINT_DB := target/lint/lint.duckdb

lint: setup ## ruff over Python, sqlfluff over models, macros and tests; the generated models up to date
	$(BIN)/ruff check scripts tests bench
	$(BIN)/ctdss models --check
	@mkdir -p $(dir $(LINT_DB))
	CTDSS_DB=$(LINT_DB) $(BIN)/sqlfluff lint models macros tests/dbt snapshots

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
