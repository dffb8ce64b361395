# The two commands: `make run` serves the portal with the sandbox; `make test` runs every check.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint format install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstalled whenever pyproject.toml changes.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(INSTALLED)

# Development server: DEBUG on unless the environment says otherwise, sandbox mounted.
run: export DEBUG ?= true
run: export PORT := $(PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py sandbox_seed
	@echo "Portal and sandbox on http://127.0.0.1:$(PORT)/ (demo: demo@example.com / demo-password)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings
	$(BIN)/pytest

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
