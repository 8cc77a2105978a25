# The two commands of the README: `make run` and `make test`. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-all lint format worker beat up clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "): make PYTHON=python3.12 ...")'
	@# Debian and Ubuntu ship Python without ensurepip: create the venv bare, then fetch pip.
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV) && $(PYTHON) -m venv --without-pip $(VENV) && $(PYTHON) scripts/bootstrap_pip.py $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

# The links the portal prints and emails name the port it listens on (unless PORTAL_PORT says).
run: export PORTAL_PORT ?= $(PORT)
run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo "Le portail démarre sur http://demo.localhost:$(PORT)/ (aussi http://localhost:$(PORT)/). Ctrl-C pour l'arrêter."
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# axe-core, which the browser tests inject into every page: fetched from the npm registry at the
# version pinned in the script, checked against its sha512 (no npm needed).
AXE := var/axe-core/axe.min.js
$(AXE): scripts/fetch_axe.py
	$(PYTHON) scripts/fetch_axe.py && touch $@

# The tests run on every core (pytest-xdist; TEST_WORKERS=1 for one process), the browser tests
# on one worker, the integration tests on one (tests/conftest.py). `make test` leaves out the slow
# group (marked `slow`: real processes, the fuzzer, every page in Chromium); `make test-all`, which
# CI runs, runs it too.
TEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadgroup
# Python keeps the modules it compiles, and pytest the test modules it rewrites, under
# var/pycache from one run to the next, even where PYTHONDONTWRITEBYTECODE is set (nothing is
# written beside the sources nor into the venv): each worker then collects the tests in half
# the time (13 s of CPU instead of 27 s; the first run fills the cache, 56 MB).
PYTEST_ENV = PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/var/pycache

test: $(VENV)/.dev $(AXE)
	$(PYTEST_ENV) $(BIN)/pytest $(PYTEST_PARALLEL) -m "not slow" $(PYTEST_ARGS)

test-all: $(VENV)/.dev $(AXE)
	$(PYTEST_ENV) $(BIN)/pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# With REDIS_URL set, tasks go to Redis: run a worker and the beat scheduler beside the server.
worker: $(VENV)/.runtime
	$(BIN)/celery -A welyb_portal worker --loglevel=INFO

beat: $(VENV)/.runtime
	$(BIN)/celery -A welyb_portal beat --loglevel=INFO --schedule=var/celerybeat-schedule

# The Procfile's stack, as a platform runs it (gunicorn, a worker, beat), against the real
# services the environment names: the release step (migrations) first, then the processes,
# until Ctrl-C. The web process listens on PORT.
up: export PATH := $(CURDIR)/$(BIN):$(PATH)
up: $(VENV)/.dev
	@missing=""; for name in DATABASE_URL REDIS_URL EMAIL_URL; do \
	  eval "value=\$${$$name:-}"; [ -n "$$value" ] || missing="$$missing $$name"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make up needs the real services: set$$missing (see the README, « make up »)." >&2; \
	  exit 2; fi
	honcho start --no-colour release
	honcho start --no-colour --port $(PORT) web worker beat

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
