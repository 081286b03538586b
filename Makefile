# The README's two commands: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint typecheck pytest clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

# Unless SHOWAPP_BASE_URL is set, the demo's links and feeds use the address it runs on.
run: export SHOWAPP_BASE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.installed
	$(BIN)/showapp init
	$(BIN)/showapp demo --if-empty
	@echo
	@echo "showapp is starting on http://$(HOST):$(PORT)/"
	@echo "  Create the admin user (once):  $(BIN)/showapp init --admin-email you@example.com"
	@echo "  Then sign in to the studio at: http://$(HOST):$(PORT)/studio/"
	@echo
	$(BIN)/showapp run --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean-venv:
	rm -rf $(VENV)
