# A handful of verbs. `make run` is the embedded quick start (SQLite, tasks in-process, demo data);
# `make test` runs the test suite against the Postgres and Redis on this machine; `make test-fast`
# runs it on SQLite without Redis, leaving out the browser tests and those marked postgres.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# axe-core for the browser tests' accessibility checks, from package-lock.json.
NODE_STAMP := node_modules/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sufficiency
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14

.PHONY: run install test test-fast lint types docs format worker beat reset-db bench demo validate-synthetic

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

demo: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_demo

test: $(STAMP) $(NODE_STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} TEST_REDIS_URL=$(TEST_REDIS_URL) \
		REDIS_URL= $(BIN)/pytest

# One process per core; worksteal because a few property tests take most of the time.
test-fast: $(STAMP)
	DATABASE_URL= REDIS_URL= TEST_REDIS_URL= $(BIN)/pytest -m "not browser and not postgres" \
		-n auto --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# docs/indicators.md, written from the indicator declarations (CI checks it is current).
docs: $(STAMP)
	$(BIN)/python manage.py document_indicators

# The modules listed in pyproject.toml's [tool.mypy] files.
types: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: $(STAMP)
	$(BIN)/celery -A config worker --loglevel=info

beat: $(STAMP)
	$(BIN)/celery -A config beat --loglevel=info

reset-db: $(STAMP)
	rm -f db.sqlite3
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_demo

bench: $(STAMP)
	DATABASE_URL=$${BENCH_INGEST_DATABASE_URL:-$(TEST_DATABASE_URL)_bench_ingest} $(BIN)/python -m bench.ingest
	DATABASE_URL=$${BENCH_DATABASE_URL:-$(TEST_DATABASE_URL)_bench} $(BIN)/python -m bench.indicators
	DATABASE_URL=$${BENCH_DATABASE_URL:-$(TEST_DATABASE_URL)_bench} $(BIN)/python -m bench.pages
	DATABASE_URL=$${BENCH_DATABASE_URL:-$(TEST_DATABASE_URL)_bench} $(BIN)/python -m bench.forecast
	DATABASE_URL=$${BENCH_DATABASE_URL:-$(TEST_DATABASE_URL)_bench} $(BIN)/python -m bench.uploads

# The DfE's own 903 validator on one synthetic year, in a virtual environment of its own (it pins
# an older pandas than the product): the errors it finds, per rule, as name: value lines.
VALIDATOR_VENV := .venv-validator
VALIDATE_DIR := build/validate-synthetic
VALIDATE_DB := DATABASE_URL=sqlite:///$(CURDIR)/$(VALIDATE_DIR)/db.sqlite3
validate-synthetic: $(STAMP)
	test -x $(VALIDATOR_VENV)/bin/python || $(PYTHON) -m venv $(VALIDATOR_VENV)
	$(VALIDATOR_VENV)/bin/pip install --quiet "csc-validator-be-903==0.1.17"
	rm -rf $(VALIDATE_DIR) && mkdir -p $(VALIDATE_DIR)
	$(VALIDATE_DB) $(BIN)/python manage.py migrate -v0
	$(VALIDATE_DB) $(BIN)/python manage.py add_la 999 "Synthetic Borough" --districts E09000028
	$(VALIDATE_DB) $(BIN)/python manage.py generate_903 --la 999 --children-in-care 450 \
		--years 1 --seed 2026 --as-at 2026-03-31 --out $(VALIDATE_DIR)/out
	$(VALIDATOR_VENV)/bin/python scripts/validate_synthetic.py $(VALIDATE_DIR)/out/2025-26 2026 E09000028
