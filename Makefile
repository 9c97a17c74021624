# Calltime — every target builds its own .venv; nothing is installed by hand.
# Dependencies come from the hash-pinned lock files in requirements/ (pip checks every
# hash); the project itself is then installed editable without touching them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
AUDIT  := .venv-audit
HOST   ?= 127.0.0.1
PORT   ?= 5000
PIP_LOCKED := --quiet --require-hashes --no-deps
LOCK   := uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 --no-header

.PHONY: run test bench eval lint browser clean audit lock

$(VENV)/.base: pyproject.toml requirements/base.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_LOCKED) -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: pyproject.toml requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_LOCKED) -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
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

## lint: ruff (checks and formatting) and mypy (settings in pyproject.toml)
lint: $(VENV)/.dev
	$(BIN)/ruff check bot tools memory tests bench
	$(BIN)/ruff format --check bot tools memory tests bench
	$(BIN)/mypy

## audit: known vulnerabilities in the pinned dependencies (pip-audit; needs the network)
# pip-audit reports a package it could not look up as "skipped" and still exits 0, and a
# machine that reaches only the package index can look up none: say so, and exit 2.
audit: $(AUDIT)/.installed
	@out=$$($(AUDIT)/bin/pip-audit --progress-spinner off --disable-pip --require-hashes \
		-r requirements/dev.txt 2>&1); rc=$$?; echo "$$out" | grep -v '^WARNING: Location'; \
	skipped=$$(echo "$$out" | grep -c 'could not be audited'); \
	if [ $$skipped -gt 0 ] || echo "$$out" | grep -qiE 'connection ?error|max retries|timed out'; then \
		echo "make audit: $$skipped pinned packages could not be checked: the vulnerability" \
			"database cannot be reached from this machine, so this is NOT a clean audit"; \
		exit 2; fi; exit $$rc

$(AUDIT)/.installed: requirements/audit.txt
	$(PYTHON) -m venv $(AUDIT)
	$(AUDIT)/bin/pip install $(PIP_LOCKED) -r requirements/audit.txt
	touch $@

## lock: re-pin requirements/*.txt after editing pyproject.toml (uv; UPGRADE=1 takes newer versions)
lock:
	$(PYTHON) -m venv $(AUDIT)-lock && $(AUDIT)-lock/bin/pip install --quiet uv
	$(AUDIT)-lock/bin/$(LOCK) $(if $(UPGRADE),--upgrade) -o requirements/base.txt
	$(AUDIT)-lock/bin/$(LOCK) --extra dev $(if $(UPGRADE),--upgrade) -o requirements/dev.txt
	$(AUDIT)-lock/bin/uv pip compile requirements/audit.in --generate-hashes --universal \
		--python-version 3.11 --no-header $(if $(UPGRADE),--upgrade) -o requirements/audit.txt

## browser: Debian's Chromium for the browser tests (root, Debian/Ubuntu)
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) $(AUDIT) $(AUDIT)-lock .pytest_cache
