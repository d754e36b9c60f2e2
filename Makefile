# Quick start: `make build` and `make test`. Each target creates .venv when it is missing.
# `make build` installs what building and search need (the `search` extra); `make test` adds the test extras.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: build test serve check bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[search]'
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[search,test]'
	touch $(TEST_STAMP)

build: $(STAMP)
	$(BIN)/site-builder build .

check: $(STAMP)
	$(BIN)/site-builder check . --strict

serve: $(STAMP)
	$(BIN)/site-builder serve .

test: $(TEST_STAMP)
	$(BIN)/python -m pytest tests

# The benchmarks (benchmarks/RESULTS.md): BENCH_ARGS passes options, e.g. BENCH_ARGS="--sizes 1000 --runs 1".
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf output .pytest_cache
