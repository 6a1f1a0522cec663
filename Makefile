# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

WORKERS ?= 4
# Proxies whose X-Forwarded-For is believed (README, settings); checked by liveblog/settings.py.
FORWARDED_ALLOW_IPS ?= 127.0.0.1
export FORWARDED_ALLOW_IPS

.PHONY: run test lint bench serve clean

$(VENV)/bin/python:
	@base=$$(pyenv prefix $(PYTHON_VERSION) 2>/dev/null)/bin/python; \
	if [ ! -x "$$base" ]; then base=$$(command -v python$(PYTHON_VERSION) || command -v python3); fi; \
	echo "creating $(VENV) with $$base"; "$$base" -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,dev]"
	@touch $(STAMP)

# Serve the demo on http://$(HOST):$(PORT) with the embedded SQLite database. The git-ignored
# .env (DEBUG=1, a SECRET_KEY for this checkout) lets the README's manage.py commands run as
# written; run_demo loads the demo, serves it with uvicorn and ends its log with where to sign in.
run: export DEBUG ?= 1
run: $(STAMP)
	$(PY) -m liveblog.localenv .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py run_demo --host $(HOST) --port $(PORT)

# The whole suite. Browser tests drive /usr/bin/chromium (see .ci/run for installing it).
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Production: several uvicorn workers, hashed+compressed static files through WhiteNoise.
# Needs SECRET_KEY, ALLOWED_HOSTS and usually DATABASE_URL (see README, "Deploying").
# DEBUG is off unless said otherwise, whatever a development .env holds.
serve: export DEBUG ?= 0
serve: $(STAMP)
	$(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py migrate --noinput
	$(PY) -m uvicorn liveblog.asgi:application --host $(HOST) --port $(PORT) \
		--workers $(WORKERS) --proxy-headers --forwarded-allow-ips "$(FORWARDED_ALLOW_IPS)" \
		--no-access-log --timeout-graceful-shutdown 5

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3*
