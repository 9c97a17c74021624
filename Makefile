# Calltime — every target builds its own .venv from pyproject.toml; nothing is installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test bench eval lint browser clean

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(VENV)/.base $@

## run: migrate the embedded database, seed the demo organisation if empty, serve on :5000
run: $(VENV)/.base
	$(BIN)/calltime db upgrade
	$(BIN)/calltime serve --demo --host $(HOST) --port $(PORT)

## test: the whole suite, on SQLite and on a real PostgreSQL 16 (pgserver)
test: $(VENV)/.dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: every benchmark in bench/, report in bench/results/latest.json and .md
bench: $(VENV)/.dev
	$(BIN)/python -m bench $(BENCH_ARGS)

## eval: the project's evaluation set (docs/eval/*.jsonl) on the rules path, a table per category
eval: $(VENV)/.base
	$(BIN)/calltime eval docs/eval/*.jsonl --rules --quiet --fail-under 97

lint: $(VENV)/.dev
	$(BIN)/ruff check bot tools memory tests bench

## browser: Debian's Chromium for the browser tests (root, Debian/Ubuntu)
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) .pytest_cache
