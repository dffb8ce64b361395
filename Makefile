# The two commands: `make run` serves the portal with the sandbox; `make test` runs every check.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run serve test test-services bench lint format install messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstalled whenever pyproject.toml changes.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Compiled catalogues (locale/*/LC_MESSAGES/django.mo) are built, not committed: Babel's
# compiler is pure Python, so no system gettext is needed to run the portal.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
%.mo: %.po | $(INSTALLED)
	$(BIN)/pybabel -q compile -i $< -o $@

install: $(INSTALLED) $(CATALOGUES)

# Extracts every translatable string into the catalogues (needs GNU gettext: apt-get install
# gettext). tests/portal/test_languages.py runs the same extraction and fails on any string
# that is new or untranslated.
MESSAGES_ARGS := --locale=es --locale=fr --locale=de --add-location=file --no-obsolete \
	--ignore=.venv --ignore=tests --ignore=staticfiles --ignore=bench --ignore=docs --ignore=build
messages: install
	$(BIN)/python manage.py makemessages $(MESSAGES_ARGS) --settings=tests.settings

# Development server: DEBUG on unless the environment says otherwise, sandbox mounted.
run: export DEBUG ?= true
run: export PORT := $(PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py sandbox_seed
	@echo "Portal and sandbox on http://127.0.0.1:$(PORT)/ (demo: demo@example.com / demo-password)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production-like: DEBUG off, collected static files, gunicorn (gunicorn.conf.py). Needs
# SECRET_KEY (environment or .env); serves the sandbox unless SANDBOX_ENABLED=false. Plain
# HTTP on this machine: cookies without Secure, PDF links with http, unless set otherwise.
serve: export DEBUG := false
serve: export PORT := $(PORT)
serve: export SANDBOX_ENABLED ?= true
serve: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
serve: export SECURE_COOKIES ?= false
serve: export PDF_LINK_SCHEME ?= http
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	if [ "$$SANDBOX_ENABLED" = true ]; then $(BIN)/python manage.py sandbox_seed; fi
	$(BIN)/gunicorn portal.wsgi

# The benchmark (docs/performance.md): the portal and the sandbox under gunicorn, load from wrk,
# headless Chromium through Playwright (the bench extra). wrk and Chromium are Debian packages.
BENCH_INSTALLED := $(VENV)/.installed-bench
$(BENCH_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: install $(BENCH_INSTALLED)
	@command -v wrk >/dev/null && test -x /usr/bin/chromium || \
	  { echo "make bench needs wrk and Chromium: apt-get install -y wrk chromium"; exit 1; }
	$(BIN)/python -m bench

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

# The suite again against a throwaway PostgreSQL and Redis (scripts/services.sh).
test-services: install
	scripts/services.sh start > /dev/null
	set -a && . $${SERVICES_DIR:-/tmp/portal-services}/env && set +a && \
	  $(BIN)/pytest; status=$$?; scripts/services.sh stop; exit $$status

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache locale/*/LC_MESSAGES/*.mo
