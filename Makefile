# The two commands the README opens with: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8050
# Two pytest-xdist workers: the suite (about 1,000 tests, browser ones included) took 21 min
# with them on two cores. `make test PYTEST_ARGS=` runs it in series.
PYTEST_ARGS ?= -n 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint venv deps dev-deps browser clean

run: deps ## create the virtualenv, install, and serve on SQLite with demo data
	$(BIN)/python app.py --demo --host $(HOST) --port $(PORT)

test: dev-deps browser ## install dev requirements (and Chromium when missing), lint, run the whole suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { $(SUDO) apt-get update && $(SUDO) apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.deps: $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .  # the `chat-analytics` command
	touch $@

$(VENV)/.dev-deps: $(VENV)/.deps requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

browser: ## Debian's Chromium and chromedriver for the browser tests
	@if ! command -v chromedriver >/dev/null || ! { command -v chromium || command -v chromium-browser; } >/dev/null; then \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
