# WeSup: `make run` starts the server, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test test-js lint format install install-test translations browser bench clean

run: install translations
	$(BIN)/python run.py

# Branch coverage of wesup/ is reported and must stay at 90 % or more (setup.cfg); a partial
# run (PYTEST_ARGS="-k …") can pass COVERAGE= to skip the floor.
COVERAGE ?= --cov --cov-report=term:skip-covered
# The suite runs on TEST_WORKERS processes (pytest-xdist), a test file each at a time, each
# worker on a PostgreSQL database and a Redis number of its own (tests/conftest.py);
# TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2

test: install-test translations browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(COVERAGE) $(PYTEST_ARGS)

# The browser's rules against the shared case tables (pytest runs this too: tests/test_js_rules.py).
test-js:
	node --test tests/js/

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	npx eslint wesup/static/js tests/js

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg package.json package-lock.json
	$(BIN)/python -m pip install --quiet -e .
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP)

$(TEST_STAMP): $(STAMP) setup.cfg
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install-test: $(TEST_STAMP)

translations: install
	$(BIN)/pybabel compile --statistics -d wesup/translations

# Browser tests drive Debian's chromium; install it when missing and we may (root).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: browser tests will be skipped (apt-get install chromium)"; fi; }

bench: install-test
	$(BIN)/python bench/fanout.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache
