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

# The service on this machine only: the clinician page at http://127.0.0.1:$(PORT)/ with the example
# patients one click away, the REST API and CDS Hooks (JWT required; see README), feedback kept in .lncare/.
PORT ?= 8000
run: install
	@echo "lncare: open http://127.0.0.1:$(PORT)/ (Ctrl-C stops the service)"
	$(BIN)/lncare serve --host 127.0.0.1 --port $(PORT) --data .lncare

lint: install
	$(BIN)/ruff check src tests benchmarks

typecheck: install
	$(BIN)/mypy src

test: lint typecheck browser
	$(BIN)/pytest -q

bench: install
	$(BIN)/python -m benchmarks

# Every generated document (tests check that the committed ones are current), and the page's screenshots.
docs: install browser
	$(BIN)/lncare patient schema --out docs/patient.schema.json
	$(BIN)/lncare kb docs --out docs/knowledge
	$(BIN)/python -m lncare.engine.docs docs/rules
	$(BIN)/lncare evidence lupus --out docs/evidence
	$(BIN)/python -m lncare.fhir.export examples examples/fhir
	$(BIN)/python -m lncare.service.web.screenshots --out docs/screenshots

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
