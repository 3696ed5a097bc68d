# Consiglio — `make run` starts the app with demo data, `make test` runs the whole suite,
# `make check` the quick one (lint + SQLite, no browser, no slow tests) for the inner loop.
# All set up everything they need and are safe to run again.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
PYTHON ?= python3
# The suite runs on both cores (pytest-xdist): each worker has its own database, app, live
# server and browser. PYTEST_WORKERS=0 runs it in one process (for -x, --pdb, print debugging).
PYTEST_WORKERS ?= 2
XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist worksteal)
# Compiled modules and pytest's rewritten test modules are kept in __pycache__ (gitignored):
# each worker of each run would otherwise compile them all again (seconds of CPU each).
unexport PYTHONDONTWRITEBYTECODE
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run serve test check setup vendor lint format translations chromium fonts test-sqlite test-postgresql clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[test]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/socket.io.min.js: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/socket.io.min.js

# Bootstrap Italia (Designers Italia's kit): the part the pages use, compiled from the package's
# SCSS sources by npm's `sass` (static/scss/italia.scss), and Titillium Web from its fonts.
KIT := node_modules/bootstrap-italia
KIT_FONTS := $(addprefix static/vendor/fonts/titillium-web-v10-latin-ext_latin-,regular.woff2 600.woff2 700.woff2) static/vendor/fonts/OFL.txt

static/vendor/bootstrap-italia.css: static/scss/italia.scss node_modules/.package-lock.json
	mkdir -p static/vendor
	node_modules/.bin/sass --load-path=node_modules --style=compressed --no-source-map --quiet $< $@

static/vendor/fonts/%: node_modules/.package-lock.json
	mkdir -p static/vendor/fonts
	cp $(KIT)/dist/fonts/Titillium_Web/$* $@

static/vendor/bootstrap-italia.LICENSE: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp $(KIT)/LICENSE $@

vendor: static/vendor/socket.io.min.js static/vendor/bootstrap-italia.css static/vendor/bootstrap-italia.LICENSE $(KIT_FONTS)

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d council/translations -D messages >/dev/null

setup: $(VENV)/.installed vendor translations fonts

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	fi

# The minutes' PDF embeds DejaVu Serif (regular, bold, italic) and Sans Mono: Unicode, so
# accents and typographic quotes print.
fonts:
	@if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf ]; then \
		echo "installing Debian's DejaVu fonts for the minutes' PDF"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fonts-dejavu-core fonts-dejavu-extra >/dev/null; \
	fi

run: setup
	CONSIGLIO_ENV=development $(FLASK) db upgrade
	CONSIGLIO_ENV=development $(FLASK) demo
	@echo "Consiglio on http://$(HOST):$(PORT)  (demo accounts in README.md)"
	CONSIGLIO_ENV=development HOST=$(HOST) PORT=$(PORT) $(PY) app.py

# The production server (gunicorn.conf.py) on the database and settings of the environment:
# docs/deployment.md. It migrates nothing: run `flask --app app db upgrade` first.
serve: setup
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test-sqlite: setup chromium
	TEST_DATABASE=sqlite $(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

test-postgresql: setup chromium
	TEST_DATABASE=postgresql TEST_REDIS_URL=redis://127.0.0.1:6379/0 \
		$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# The inner loop: lint, then the suite on SQLite without the browser and the slow tests
# (races, server processes). `make test` runs everything, as CI does.
check: setup lint
	TEST_DATABASE=sqlite $(PY) -m pytest $(XDIST) -m "not e2e and not slow" $(PYTEST_ARGS)

test: setup chromium lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgresql

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache
