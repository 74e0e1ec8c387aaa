# Two commands on a fresh clone: `make run` (the whole stack on moto) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 3000
# The browser tests (tests/e2e/browser) drive the distribution's Chromium through Playwright.
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-browser browser-status lint typecheck check clean bench openapi build

# A new package under functions/ must reach the editable install's map of packages too.
$(STAMP): pyproject.toml $(wildcard functions/*/__init__.py cli/*/__init__.py)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,cli]'
	touch $(STAMP)

run: $(STAMP)
	PORT=$(PORT) $(PY) -m infra.local

test: $(STAMP)
	$(PY) -m ruff check functions infra cli tests bench
	$(PY) -m ruff format --check functions infra cli tests bench
	$(PY) -m mypy
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest -n auto --dist loadscope
	@$(MAKE) --no-print-directory browser-status

# Only the browser tests (form, no-JS form, honeypot, dev phone); screenshots in test-artifacts/screenshots.
test-browser: $(STAMP)
	@$(MAKE) --no-print-directory browser-status
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest tests/e2e/browser

browser-status:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "browser tests skipped: $(CHROMIUM) not found (apt-get install chromium)"; \
	elif ! $(PY) -c 'import playwright' 2>/dev/null; then \
		echo "browser tests skipped: the playwright package is not installed in $(VENV)"; \
	else \
		echo "browser tests ran with $(CHROMIUM) (screenshots in test-artifacts/screenshots)"; \
	fi

lint: $(STAMP)
	$(PY) -m ruff check functions infra cli tests bench
	$(PY) -m ruff format --check functions infra cli tests bench

# docs/openapi.json from the handlers (tests/infra/test_openapi.py fails when it is out of date).
openapi: $(STAMP)
	$(PY) -m infra.openapi

# Cold start, AWS requests per message, planning, hot paths, local latency and cost (bench/, ~5 min):
# prints a table and writes bench-results.json. `$(PY) -m bench --quick` for a fast try.
bench: $(STAMP)
	$(PY) -m bench

# Deployable artifacts (then `sam deploy`): `sam build`, then bytecode for every module in them. sam build
# ships no .pyc at all (its Python builder unpacks wheels and leaves __pycache__ out), so in Lambda every
# module — boto3 and pydantic included — would be compiled at every cold start, roughly doubling it.
# The .pyc files are checked by hash, not mtime (a zip does not keep mtimes exactly), and must come from
# the template's Runtime: RUNTIME_PYTHON (python3.13 by default, as is sam build's own requirement).
RUNTIME_PYTHON ?= python3.13
SAM ?= sam
build:
	$(SAM) build $(SAM_BUILD_FLAGS)
	$(RUNTIME_PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build > /dev/null

typecheck: $(STAMP)
	$(PY) -m mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .local test-artifacts
