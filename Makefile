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

# Serve the demo on http://$(HOST):$(PORT) with the embedded SQLite database.
run: export DEBUG ?= 1
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) -m uvicorn liveblog.asgi:application --host $(HOST) --port $(PORT) --timeout-graceful-shutdown 3

# The whole suite. Browser tests drive /usr/bin/chromium (see .ci/run for installing it).
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Production: several uvicorn workers, hashed+compressed static files through WhiteNoise.
# Needs SECRET_KEY, ALLOWED_HOSTS and usually DATABASE_URL (see README, "Deploying").
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
