# Amparo: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/amparo
export AMPARO_DATA_DIR ?= $(CURDIR)/var
# Keep compiled modules beside the sources (__pycache__, ignored by git) even where the
# environment says not to: else each of the suite's many `amparo` subprocesses, and each server
# worker, compiles every module of Amparo again (about 0.2 s a process).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-sqlite test-postgres security install install-test lock browser clamav nginx redis postgres lint format messages gettext benchmark clean

# A fresh clone installs exactly the versions pinned in requirements/*.txt, each checked against
# its hash; pyproject.toml keeps the ranges they are chosen from (docs/adr/0012).
$(BIN)/amparo: pyproject.toml requirements/base.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(BIN)/amparo

$(VENV)/.test-installed: $(BIN)/amparo requirements/test.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements/test.txt
	touch $@

install-test: $(VENV)/.test-installed

## make lock: pin requirements/*.txt (with hashes) from the ranges in pyproject.toml, keeping the
## pins that still fit (`make lock LOCK_FLAGS=--upgrade` takes the newest); then run
## scripts/advisories-refresh (needs the network) and review what it reports
LOCK_FLAGS ?=
LOCK := $(BIN)/uv pip compile pyproject.toml requirements/build.in --quiet --generate-hashes \
	--python-version 3.11 --python-platform x86_64-manylinux_2_17 --custom-compile-command "make lock" $(LOCK_FLAGS)
lock: install-test
	$(LOCK) -o requirements/base.txt
	$(LOCK) --extra test -c requirements/base.txt -o requirements/test.txt

## make run: Amparo on the embedded SQLite database, with demo data, at http://127.0.0.1:8000
run: install
	$(BIN)/amparo setup --demo
	$(BIN)/amparo runserver 127.0.0.1:8000

## make test: install what the tests need, then the whole suite on SQLite and on PostgreSQL
test: install-test browser clamav nginx redis postgres lint
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

## make clamav: Debian's clamd, which the antivirus tests start with a signature file of their own
## (amparo/security/tests/test_antivirus.py; nothing is downloaded). In a container no service
## starts on install; on a systemd host the target disables the freshclam and clamd services the
## package enables, so nothing keeps fetching signatures or waits for a database (docs/adr/0017).
clamav:
	@test -x /usr/sbin/clamd || command -v clamd >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends clamav-daemon >/dev/null && \
	  if [ -d /run/systemd/system ]; then \
	    systemctl disable --now clamav-freshclam clamav-daemon clamav-daemon.socket 2>/dev/null || true; \
	  fi; }

## make nginx: Debian's nginx, which amparo/security/tests/test_nginx.py runs in front of Amparo with
## the configuration docs/deployment.md gives, on loopback ports and its own files. In a container
## no service starts on install; on a systemd host the target stops and disables the one the
## package enables, so nothing listens on port 80.
nginx:
	@test -x /usr/sbin/nginx || command -v nginx >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends nginx >/dev/null && \
	  if [ -d /run/systemd/system ]; then systemctl disable --now nginx 2>/dev/null || true; fi; }

## make redis: Debian's redis-server, which amparo/security/tests/test_ratelimit_redis.py starts on
## a port of its own, in memory only, to hold shared rate-limit counters (docs/adr/0025)
redis:
	@test -x /usr/bin/redis-server || command -v redis-server >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends redis-server >/dev/null && \
	  if [ -d /run/systemd/system ]; then systemctl disable --now redis-server 2>/dev/null || true; fi; }

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
