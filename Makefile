# One entry point: `make run` serves the demo site (with its worker and scheduler), `make test` runs every check.
# Both create the virtual environment and install requirements.txt on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# The test run uses throwaway, test-only settings; nothing here is a production value.
TEST_ENV := DJANGO_SECRET_KEY=test-only-secret-key-not-for-production \
	DJANGO_DEBUG=0 DJANGO_SECURE_SSL_REDIRECT=0

# Pinned npm tools for the browser tests' accessibility and HTML checks (git-ignored cache).
E2E_TOOLS := .cache/e2e/node_modules/.installed
E2E_NPM_PACKAGES := axe-core@4.14.1 vnu-jar@26.9.27

.PHONY: install run test test-e2e e2e-tools bench lint format migrate demo clean

install: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

migrate: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo_content

# Links in emails and on pages point at the server `make run` starts (HOST and PORT),
# unless SITE_URL is given; 0.0.0.0 listens everywhere but is browsed as 127.0.0.1.
# The export reaches all three processes, so the worker's emails link there too.
RUN_SITE_URL = $(or $(SITE_URL),http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT))

# The site, its worker (sends the emails) and its scheduler (reminders, digests,
# retention), started together by honcho from Procfile.dev; Ctrl+C stops all three.
run: export SITE_URL := $(RUN_SITE_URL)
run: demo
	@echo "Serving $(SITE_URL)/ (links in emails point here)"
	PATH="$(CURDIR)/$(BIN):$$PATH" DJANGO_DEBUG=1 HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

e2e-tools: $(E2E_TOOLS)

$(E2E_TOOLS):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --prefix .cache/e2e --no-audit --no-fund --ignore-scripts --loglevel=error $(E2E_NPM_PACKAGES) \
		&& touch $@; \
	else echo "npm not found: the browser tests' accessibility and HTML checks need it"; fi

test: lint e2e-tools
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Only the browser tests (journeys, accessibility, valid HTML).
test-e2e: install e2e-tools
	$(TEST_ENV) $(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .ruff_cache

# Throughput against Django's own ceiling, under gunicorn (see bench/run.py).
bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "Installing wrk (Debian package) for the benchmark."; \
		apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk); }
	$(BIN)/python bench/run.py $(BENCH_ARGS)
