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
SAMPLE := data/sample

# Fragments for the delivery (publish, docs, report) and benchmark targets.
-include mk/*.mk

.PHONY: help setup sample load load-sample demo build dbt-build test lint docs publish report bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install the pinned dependencies (once)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

sample: setup ## Regenerate the bundled synthetic sample snapshot in data/sample (deterministic)
	$(BIN)/ctdss sample --out $(SAMPLE)

load-sample: setup ## Land the bundled synthetic sample in the raw schema
	$(BIN)/ctdss load --snapshot $(SAMPLE)

load: setup ## Land the live datasets from data.ct.gov in the raw schema
	$(BIN)/ctdss load

dbt-build: setup ## Run dbt build (seeds, models, snapshots, tests) on the warehouse
	@mkdir -p $(dir $(CTDSS_DB))
	$(BIN)/dbt build || { $(BIN)/ctdss unmapped; exit 1; }

demo: load-sample dbt-build lineage publish ## Set up, build and publish the warehouse offline from the synthetic sample

build: load dbt-build lineage publish ## Set up, build and publish the warehouse from the live portal

# sqlfluff renders models with dbt, which opens a DuckDB file: lint against a scratch one, never the warehouse.
LINT_DB := target/lint/lint.duckdb

lint: setup ## ruff over Python, sqlfluff over models, macros and tests
	$(BIN)/ruff check scripts tests
	@mkdir -p $(dir $(LINT_DB))
	CTDSS_DB=$(LINT_DB) $(BIN)/sqlfluff lint models macros tests/dbt snapshots

test: setup lint ## Run every test (lint, pytest including dbt build and dbt tests)
	$(BIN)/python -m pytest

clean: ## Remove build output (keeps .venv and the warehouse)
	rm -rf target logs dbt_packages
