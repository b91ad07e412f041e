# Amparo: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/amparo
export AMPARO_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-sqlite test-postgres security install install-test browser postgres lint format messages gettext benchmark clean

$(BIN)/amparo: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

install: $(BIN)/amparo

install-test: install
	$(BIN)/pip install --quiet -e '.[test]'

## make run: Amparo on the embedded SQLite database, with demo data, at http://127.0.0.1:8000
run: install
	$(BIN)/amparo setup --demo
	$(BIN)/amparo runserver 127.0.0.1:8000

## make test: install what the tests need, then the whole suite on SQLite and on PostgreSQL
test: install-test browser postgres lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres
	$(MAKE) security

test-sqlite: export AMPARO_DATA_DIR = $(CURDIR)/var/test
test-sqlite:
	env -u DATABASE_URL $(BIN)/pytest -q -p no:randomly

test-postgres: export AMPARO_DATA_DIR = $(CURDIR)/var/test
test-postgres:
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q

## make security: fuzzing, schemathesis, crash harness, load test and dependency checks (issue 7)
security: install-test browser postgres
	PG_URL=$(PG_URL) scripts/security/run

browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }

postgres:
	@scripts/ensure-postgres

lint:
	$(BIN)/ruff check amparo benchmarks
	$(BIN)/ruff format --check amparo benchmarks

format:
	$(BIN)/ruff format amparo benchmarks
	$(BIN)/ruff check --fix amparo benchmarks

## make messages: refresh the French and Spanish catalogues from the source, then compile them
## (translate any new or fuzzy entry in amparo/locale/*/LC_MESSAGES/django.po and run it again;
## the compiled .mo files are committed, so running Amparo needs no gettext tools)
messages: install gettext
	cd amparo && $(abspath $(BIN))/amparo makemessages -l fr -l es --ignore "*/tests/*" --ignore "tests_*" --no-obsolete
	cd amparo && $(abspath $(BIN))/amparo compilemessages

gettext:
	@command -v msgfmt >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

## make benchmark: 100,000 entries on SQLite and PostgreSQL; rewrites docs/benchmarks.md (not a test)
benchmark: install-test postgres
	env -u DATABASE_URL $(BIN)/python benchmarks/register.py

clean:
	rm -rf $(VENV) var
