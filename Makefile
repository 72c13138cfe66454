# Every target sets itself up from a clean clone: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: install run test lint typecheck bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/lncare calc egfr --age 50 --sex female --creatinine 1.1
	$(BIN)/lncare patient check examples/p01-class-iv-new.json
	$(BIN)/lncare recommend examples/p01-class-iv-new.json --as-of 2026-11-27

lint: install
	$(BIN)/ruff check src tests benchmarks

typecheck: install
	$(BIN)/mypy src

test: lint typecheck
	$(BIN)/pytest -q

bench: install
	$(BIN)/python -m benchmarks

docs: install
	$(BIN)/python -m lncare.docs

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
