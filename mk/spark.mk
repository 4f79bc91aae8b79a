# The Spark target: the same dbt models on Apache Spark (dbt-spark over thrift), and their proof of equality with
# the DuckDB build. Included by the Makefile, which defines VENV, BIN, STAMP and SAMPLE and exports
# DBT_PROFILES_DIR. The Spark packages are the optional extra `.[spark]`, installed by their own stamp, so
# `make setup` and `make demo` never download pyspark.
SPARK_STAMP := $(VENV)/.spark-installed
SPARK_DIR ?= $(CURDIR)/warehouse/spark
# spark-test keeps its server, its raw Parquet files and its DuckDB build apart from `make spark-up`'s.
SPARK_TEST_DIR := $(SPARK_DIR)/test
SPARK_TEST_TARGET := target/spark-test
# The dbt unit tests run on DuckDB only (in `make test`): they check the models' SQL logic on fixtures, which the
# row-for-row comparison then proves equal on Spark, and Spark spends most of the build planning them (about a
# minute each for the rpt_ models). SPARK_UNIT_TESTS=1 runs them on Spark too.
SPARK_UNIT_TESTS ?=
# The test server is thrown away with its folder, so it keeps its table definitions in memory rather than in a Derby
# metastore, which takes about a quarter off the server's CPU. SPARK_TEST_CATALOG=hive runs the same proof against
# the metastore that `make spark-up` uses.
SPARK_TEST_CATALOG ?= in-memory
SPARK_BUILD_ARGS ?= $(if $(SPARK_UNIT_TESTS),,--exclude-resource-type unit_test)

.PHONY: spark-setup spark-up spark-down spark-test

spark-setup: $(SPARK_STAMP) ## Install the optional Spark packages (dbt-spark, pyspark) into .venv (once)

$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,spark]'
	@touch $@

spark-up: spark-setup ## Start a local Spark Thrift server on 127.0.0.1:10000 (files in warehouse/spark/)
	CTDSS_SPARK_DIR=$(SPARK_DIR) $(BIN)/ctdss spark up

spark-down: ## Stop the Spark Thrift server that `make spark-up` started
	CTDSS_SPARK_DIR=$(SPARK_DIR) $(BIN)/ctdss spark down

# Builds the bundled sample on DuckDB and on Spark, runs the dbt data tests on Spark, re-runs the incremental models
# there (so insert_overwrite replaces partitions of an existing table), then compares every mart and rpt_ table.
# The Thrift server starts while DuckDB builds, and is stopped on every exit, failures included.
spark-test: spark-setup ## Build the sample on Spark, run the dbt tests there and compare every mart with DuckDB
	@# The Spark server's own tests need pyspark, which only this target installs: `make test` skips them.
	$(BIN)/python -m pytest tests/python/spark -q -p no:cacheprovider
	@CTDSS_SPARK_DIR=$(SPARK_TEST_DIR) $(BIN)/ctdss spark down >/dev/null
	@rm -rf $(SPARK_TEST_DIR) $(SPARK_TEST_TARGET) && mkdir -p $(SPARK_TEST_DIR)
	@set -euo pipefail; \
	export CTDSS_SPARK_DIR=$(SPARK_TEST_DIR) CTDSS_DB=$(SPARK_TEST_DIR)/duckdb/ct_dss.duckdb; \
	duck=(--target dev --target-path $(SPARK_TEST_TARGET)/duckdb); \
	spark=(--target spark --target-path $(SPARK_TEST_TARGET)/spark); \
	start=$$SECONDS; \
	$(BIN)/ctdss spark up --catalog $(SPARK_TEST_CATALOG) > $(SPARK_TEST_DIR)/spark-up.out 2>&1 & up=$$!; \
	trap 'wait $$up 2>/dev/null || true; $(BIN)/ctdss spark down' EXIT; trap 'exit 130' INT TERM; \
	mkdir -p $$(dirname $$CTDSS_DB); \
	$(BIN)/ctdss load --snapshot $(SAMPLE); \
	$(BIN)/dbt build "$${duck[@]}" --exclude-resource-type test --exclude-resource-type unit_test; \
	$(BIN)/ctdss export-raw --out $(SPARK_TEST_DIR)/raw; \
	echo "spark-test: DuckDB built in $$((SECONDS - start)) s; waiting for the Spark Thrift server"; \
	wait $$up || { cat $(SPARK_TEST_DIR)/spark-up.out; exit 1; }; \
	cat $(SPARK_TEST_DIR)/spark-up.out; \
	echo "spark-test: Spark up after $$((SECONDS - start)) s"; \
	$(BIN)/dbt run-operation register_raw_tables "$${spark[@]}" --args "{location: $(SPARK_TEST_DIR)/raw}"; \
	$(BIN)/dbt build "$${spark[@]}" --selector spark $(SPARK_BUILD_ARGS); \
	cp $(SPARK_TEST_TARGET)/spark/run_results.json $(SPARK_TEST_TARGET)/spark/build_results.json; \
	$(BIN)/dbt run "$${spark[@]}" --select config.materialized:incremental; \
	$(BIN)/ctdss spark compare --manifest $(SPARK_TEST_TARGET)/spark/manifest.json \
		--run-results $(SPARK_TEST_TARGET)/spark/build_results.json; \
	echo "spark-test: passed in $$((SECONDS - start)) s"
