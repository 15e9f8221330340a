# Shequgang developer commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_WORKERS ?= 2
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help venv run serve migrate demo test test-pg lint fmt lock bench bench-full bench-import bench-xlsx-bomb bench-points bench-dashboard bench-audit clean

help: ## Show every developer command
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when the lock file changes.
$(VENV)/.installed: requirements/dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

venv: $(VENV)/.installed ## Create .venv and install the locked dependencies

var/field.key: | $(VENV)/.installed
	@mkdir -p var
	@$(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" > $@
	@chmod 600 $@
	@echo "generated a local personal-data key in $@"

# `make run` is the demo: a published password, a generated local key, no SECRET_KEY needed.
migrate demo run: export SHEQUGANG_DEMO := 1

migrate: venv var/field.key ## Apply database migrations
	$(BIN)/shequgang migrate --noinput

demo: migrate ## Load the demo city (吕梁) if the database is empty
	$(BIN)/shequgang loaddemo --if-empty

run: demo ## Set everything up and serve on http://127.0.0.1:8000
	$(BIN)/shequgang collectstatic --noinput -v 0
	$(BIN)/shequgang serve --bind $(HOST):$(PORT) --workers $(WEB_WORKERS)

# The browser tests drive Debian's Chromium; without it they are skipped, and we say so.
CHROMIUM_NOTE = @test -x /usr/bin/chromium || echo "note: browser tests skipped: /usr/bin/chromium not installed (apt-get install -y chromium)"

test: venv ## Run the whole test suite (DATABASE_URL picks the database; default SQLite)
	$(CHROMIUM_NOTE)
	$(BIN)/pytest -q
	$(CHROMIUM_NOTE)

test-pg: venv ## Run the suite against the local PostgreSQL
	$(CHROMIUM_NOTE)
	DATABASE_URL=$${PG_URL:-postgres://postgres@127.0.0.1:5432/shequgang} $(BIN)/pytest -q
	$(CHROMIUM_NOTE)

lint: venv ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SHEQUGANG_TESTING=1 $(BIN)/mypy src

fmt: venv ## Format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: venv ## Re-pin requirements/*.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements/base.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -c requirements/base.lock -o requirements/dev.lock

# The suite (bench/run.py): SQLite and PostgreSQL (PG_URL names the server; databases
# shequgang_bench_* are created and dropped there). Datasets are cached in bench/out/.
bench: venv ## Benchmarks, quick mode (small city, short loads; docs/benchmarks.md)
	$(BIN)/python bench/run.py --mode quick --pg-url $${PG_URL:-postgres://postgres@127.0.0.1:5432/shequgang_bench}

bench-full: venv ## Benchmarks, full mode (1,000,000 cases; takes about an hour)
	$(BIN)/python bench/run.py --mode full --pg-url $${PG_URL:-postgres://postgres@127.0.0.1:5432/shequgang_bench}

bench-import: venv ## Benchmark: validate and import 100,000 register rows
	$(BIN)/python bench/import_residents.py --rows 100000

bench-xlsx-bomb: venv ## Benchmark: CPU a hostile .xlsx (one huge cell) costs the import reader
	$(BIN)/python bench/xlsx_bomb.py

bench-points: venv ## Benchmark: points redemptions per second, PostgreSQL, 16 clients
	$(BIN)/python bench/points_redeem.py --clients 16 --seconds 20
bench-dashboard: venv ## Benchmark: command-centre figures (tallies vs GROUP BY), 1M cases
	$(BIN)/python bench/dashboard_figures.py --cases 1000000 --http
bench-audit: venv ## Benchmark: µs per audit_record with the hash chain vs without, both engines
	$(BIN)/python bench/audit_record.py --rows 2000

clean: ## Remove the venv, the local database and collected static files
	rm -rf $(VENV) var/db.sqlite3* var/static
