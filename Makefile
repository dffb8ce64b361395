# The two commands: `make run` serves the portal with the sandbox; `make test` runs every check.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run serve sandbox test test-image test-services bench load lint format install messages clean chromium browser-tools screenshots

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

# The browser tests' tools: Debian's Chromium (installed here when running as root, as CI
# does; otherwise the tests fail and say how), and axe-core from the npm registry, for the
# accessibility checks only (never served to customers).
CHROMIUM_PATH ?= /usr/bin/chromium
AXE_VERSION := 4.14.1
AXE := $(VENV)/axe/package/axe.min.js
$(AXE): | $(BIN)/python
	mkdir -p $(VENV)/axe
	cd $(VENV)/axe && npm pack --silent axe-core@$(AXE_VERSION) > /dev/null && tar xzf axe-core-$(AXE_VERSION).tgz
chromium:
	@if [ ! -x "$(CHROMIUM_PATH)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	    echo "Installing Chromium (apt-get install chromium) for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null; \
	  else \
	    echo "Chromium is missing at $(CHROMIUM_PATH): the browser tests need it and never skip."; \
	    echo "Install it with: sudo apt-get install chromium  (or set CHROMIUM_PATH)"; exit 1; \
	  fi; \
	fi
browser-tools: chromium $(AXE)

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
# SECRET_KEY (environment or .env). The portal alone: it never mounts the sandbox unless
# SANDBOX_ENABLED=true is given (and then says so at start). Its upstream is UPSTREAM_URL, by
# default the sandbox that `make sandbox` serves beside it. Plain HTTP on this machine: cookies
# without Secure, PDF links with http, unless set otherwise.
SANDBOX_PORT ?= 8001
SERVE_PORT := $(PORT)
serve: export DEBUG := false
serve: export PORT := $(PORT)
serve: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
serve: export SECURE_COOKIES ?= false
serve: export SECURE_SSL_REDIRECT ?= false
serve: export PDF_LINK_SCHEME ?= http
serve: export UPSTREAM_URL ?= http://127.0.0.1:$(SANDBOX_PORT)/sandbox
serve: export UPSTREAM_PUBLIC_BASE_URL ?= /sandbox
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	if [ "$$SANDBOX_ENABLED" = true ]; then $(BIN)/python manage.py sandbox_seed; fi
	$(BIN)/gunicorn portal.wsgi

# The sandbox alone on SANDBOX_PORT, the separate upstream `make serve` expects by default
# (docs/sandbox.md): its own settings, database (sandbox.sqlite3) and gunicorn. A demo double
# with an outbox of password links: never for production.
sandbox: export DJANGO_SETTINGS_MODULE := sandbox.settings
sandbox: export PORT := $(SANDBOX_PORT)
sandbox: export SECRET_KEY ?= sandbox-demo-only-not-a-secret
sandbox: export SANDBOX_PORTAL_URL ?= http://127.0.0.1:$(SERVE_PORT)
sandbox: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py sandbox_seed
	$(BIN)/gunicorn sandbox.wsgi -c sandbox/gunicorn.conf.py

# The benchmark (docs/performance.md): the portal and the sandbox under gunicorn, load from wrk,
# headless Chromium through Playwright. wrk and Chromium are Debian packages.
bench: install chromium
	@command -v wrk >/dev/null || \
	  { echo "make bench needs wrk: apt-get install -y wrk"; exit 1; }
	CHROMIUM_PATH=$(CHROMIUM_PATH) $(BIN)/python -m bench

# A bounded run of whole flows (about a minute, 32 clients) against gunicorn and a separate
# sandbox: no error, no lost or doubled registration (bench/soak.py, docs/security.md).
load: install
	$(BIN)/python -m bench.soak

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The suite in parallel processes (pytest-xdist): most of its time is spent waiting on
# servers and Chromium, not on the CPU (tests/README.md). TEST_WORKERS=0 runs it in one.
# Tests marked `quiet` time what they check: they run alone afterwards, on an idle machine.
TEST_WORKERS ?= 3

test: lint browser-tools
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings
	CHROMIUM_PATH=$(CHROMIUM_PATH) $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal -m "not quiet and not image"
	$(BIN)/pytest -m quiet

# The container image (Containerfile), built and run with podman as root, the base made from
# Debian's packages (tests/deploy/test_image.py): apt-get install podman runc mmdebstrap.
test-image: install
	$(BIN)/pytest tests/deploy -m image -p no:xdist -s

# Refreshes docs/screenshots/ from the browser tests (every page state, desktop and mobile).
screenshots: install browser-tools
	SCREENSHOTS=1 CHROMIUM_PATH=$(CHROMIUM_PATH) $(BIN)/pytest tests/browser -q

# The suite again against a throwaway PostgreSQL and Redis (scripts/services.sh).
test-services: install browser-tools
	scripts/services.sh start > /dev/null
	set -a && . $${SERVICES_DIR:-/tmp/portal-services}/env && set +a && \
	  $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal -m "not quiet and not image" && $(BIN)/pytest -m quiet; \
	  status=$$?; scripts/services.sh stop; exit $$status

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache locale/*/LC_MESSAGES/*.mo
