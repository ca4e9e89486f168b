# The two commands a newcomer needs:  `make run`  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
export DJANGO_SETTINGS_MODULE := bizlink.settings

.PHONY: prod run test check test-sqlite test-postgres test-browser test-clock setup setup-dev migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

migrate: setup
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

## run: set up, migrate, load the demo data (once) and serve on 127.0.0.1:$(PORT)
# The demo runs in sandbox mode (docs/sandbox.md): /sandbox/ controls and the API request log.
run: export SANDBOX_MODE ?= 1
run: demo
	@echo "bizlink is serving on http://127.0.0.1:$(PORT)/  (Ctrl+C stops it)"
# The background worker (outbox, syncs, delivery) stops when the server does; its heartbeat
# chain lets /healthz and /metrics see that it runs.
	@$(BIN)/python manage.py worker_heartbeat
	@$(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## prod: production mode locally: gunicorn workers, PostgreSQL (DATABASE_URL), a worker, DEBUG off
prod: setup
	bash scripts/prod.sh

## check: linters, formatter, types and layer rules
check: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bizlink tests bench
	$(BIN)/lint-imports

## test: everything: checks, the suite on SQLite (with the browser tests) and on PostgreSQL
test: check test-sqlite test-postgres test-clock

test-sqlite: setup-dev
	bash scripts/ensure-chromium.sh
	$(BIN)/pytest -n 2

test-postgres: setup-dev
	bash scripts/ensure-postgres.sh "$(PG_TEST_URL)"
	DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest -n 2 -m "not browser"

# The ads tests again as if it were just after midnight UTC and just before New York's midnight,
# where an ad account's local day and the UTC date differ (tests/shift_clock.py).
test-clock: setup-dev
	BIZLINK_TEST_UTC_TIME=00:08 $(BIN)/python -m pytest -p tests.shift_clock -n 2 -q tests/ads
	BIZLINK_TEST_UTC_TIME=04:59 $(BIN)/python -m pytest -p tests.shift_clock -n 2 -q tests/ads

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache .hypothesis
