# The benchmark harness (bench/run.py; results in docs/benchmarks.md and docs/benchmarks.json).
# Included by the Makefile, which defines BIN and exports CTDSS_DB. The harness never touches $(CTDSS_DB): it
# builds its own warehouses under warehouse/bench/, and installs dlt and the naive baseline's packages (pandas)
# into warehouse/bench/dlt-venv and warehouse/bench/baseline-venv, never into .venv.
BENCH_ARGS ?=

.PHONY: bench bench-smoke

bench: setup ## Run the benchmark harness (1x, 10x, 100x; several minutes) and write docs/benchmarks.md
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-smoke: setup ## Run every benchmark step once on a small 1x (what CI runs); results in warehouse/bench/smoke
	$(BIN)/python bench/run.py --smoke --work warehouse/bench/smoke $(BENCH_ARGS)
