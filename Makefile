# Every target sets itself up from a clean clone: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: install browser run test lint typecheck bench docs clean

# Debian's chromium and a CJK font for the browser tests (Playwright drives it; no `playwright install`).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

install: $(STAMP)

browser:
	@[ -x $(CHROMIUM) ] && fc-list :lang=zh | grep -q . || \
	  ( $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk )

run: install
	$(BIN)/lncare calc egfr --age 50 --sex female --creatinine 1.1
	$(BIN)/lncare patient check examples/p01-class-iv-new.json
	$(BIN)/lncare recommend examples/p01-class-iv-new.json --as-of 2026-11-27

lint: install
	$(BIN)/ruff check src tests benchmarks

typecheck: install
	$(BIN)/mypy src

test: lint typecheck browser
	$(BIN)/pytest -q

bench: install
	$(BIN)/python -m benchmarks

docs: install
	$(BIN)/python -m lncare.docs

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
