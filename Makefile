# The two commands of the README: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON_FOR_VENV = $(shell scripts/find-python)

# `make run` is the local development portal: DEBUG on, demo data, console email.
RUN_ENV := DEBUG=1 PAYMENTS_SANDBOX=1

.PHONY: run test test-later test-scale install services migrate messages catalogs lint format lock clean

$(BIN)/.installed: requirements.lock
	@py="$(PYTHON_FOR_VENV)"; [ -n "$$py" ] || exit 1; \
	if [ ! -x $(BIN)/python ] || ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV); fi
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

install: $(BIN)/.installed

services: install
	@$(BIN)/python scripts/check_services.py

migrate: services
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

messages: install
	@command -v msgfmt >/dev/null || { echo "make: msgfmt is missing: install gettext (apt-get install gettext)" >&2; exit 1; }
	@$(RUN_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv -v 0

.env:
	@printf '# Local development settings written by `make run` (see .env.example).\nDEBUG=1\nPAYMENTS_SANDBOX=1\n' > .env
	@echo "Wrote .env for local development (DEBUG=1)."

run: .env services messages migrate
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput -v 0
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	@echo "MyRopo at http://127.0.0.1:8000 (Ctrl-C stops the server, worker and beat)"
	$(RUN_ENV) $(BIN)/honcho start -f Procfile

test: services messages
	@$(BIN)/python -m tests.testenv collectstatic --noinput -v 0
	$(BIN)/python -m pytest

# The non-browser suite with its clock started two years after today (see README, "The suite's
# clock"): a test that secretly depends on the day it runs fails here.
test-later: services messages
	@$(BIN)/python -m tests.testenv collectstatic --noinput -v 0
	MYROPO_TEST_NOW=$$(date -d '+2 years' +%Y-%m-%dT12:00) $(BIN)/python -m pytest -m "not e2e" -n 2 -q

# Two web processes and two Celery workers against the test database and Redis (README,
# "Running at scale"); skipped by `make test`.
test-scale: services messages
	@$(BIN)/python -m tests.testenv collectstatic --noinput -v 0
	$(BIN)/python -m pytest -m scale -n 0 -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

catalogs: install
	scripts/update_catalogs.sh

lock:
	scripts/lock.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache test-artifacts
