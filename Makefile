# The two commands of the README: `make dev` runs the whole desk, `make test` runs the tests.
# Both create .venv and install the project (and the engine binaries) on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: dev test lint bench screenshots

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

dev: $(STAMP)
	$(VENV)/bin/sagir-desk dev

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	if command -v npm >/dev/null && [ ! -d tests/browser/node_modules ]; then npm ci --prefix tests/browser --silent; fi
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m pip install -q -e ".[test,bench]"
	$(PY) bench/all.py

# The README's pictures of the console, taken again by the browser tests (needs Chromium).
screenshots: $(STAMP)
	SAGIR_UPDATE_SCREENSHOTS=1 SAGIR_TEST_REQUIRE_BROWSER=1 $(PY) -m pytest -q tests/browser
