# dvc-portal: `make run` serves the demo, `make test` runs the whole test suite.
# Both create .venv with a Python >= 3.12 (see scripts/find-python) and install the pinned dependencies.

VENV    := .venv
PY      := $(VENV)/bin/python
HOST    ?= 127.0.0.1
PORT    ?= 8000
PYTEST_ARGS ?=
# The suite runs on every core (pytest-xdist); `make test PYTEST_XDIST=` runs it in one process.
PYTEST_XDIST ?= -n auto

.PHONY: run test lint bench install migrate demo messages clean help

help:
	@echo "make run    - install, migrate, load the demo data and serve http://$(HOST):$(PORT) (and run the worker)"
	@echo "make test   - install and run the test suite (set DATABASE_URL for PostgreSQL)"
	@echo "make lint   - ruff (lint and format check) and the import-linter contract of the layers"
	@echo "make bench  - run the benchmarks under bench/"

$(PY):
	@python=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(VENV)/.installed-app $@

install: $(VENV)/.installed-app

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving dvc-portal on http://$(HOST):$(PORT)/ with its background worker (Ctrl+C to stop both)"
	DJANGO_SETTINGS_MODULE=dvc_portal.settings.local HOST=$(HOST) PORT=$(PORT) $(PY) scripts/run

test: $(VENV)/.installed-test
	$(PY) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: $(VENV)/.installed-test
	@for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

messages: install
	$(PY) manage.py makemessages --locale vi --no-obsolete --add-location file
	$(PY) manage.py compilemessages --locale vi --ignore '.venv'

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
