# Quick start: `make build` and `make test`. Each target creates .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test serve check bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/site-builder build .

check: $(STAMP)
	$(BIN)/site-builder check . --strict

serve: $(STAMP)
	$(BIN)/site-builder serve .

test: $(STAMP)
	$(BIN)/python -m pytest tests

# The benchmarks (benchmarks/RESULTS.md): BENCH_ARGS passes options, e.g. BENCH_ARGS="--sizes 1000 --runs 1".
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf output .pytest_cache
