# backchannel — the two commands a newcomer needs are `make demo` and `make test`.
# Each installs what it needs into .venv first and is safe to run again.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo serve test lint docs bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Create ./backchannel.db, load the synthetic demo data, print a summary.
demo: $(STAMP)
	$(BIN)/backchannel demo

## The demo knowledge base, served on http://127.0.0.1:8000 (REST /api/v1, TAXII /taxii2/).
serve: demo
	$(BIN)/backchannel serve

## The whole test suite, on SQLite and (started here if needed) PostgreSQL.
test: $(STAMP)
	bash scripts/test.sh

## ruff (lint + format check) and mypy --strict on src/.
lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy src

## Regenerate docs/cli.md from the commands' own help.
docs: $(STAMP)
	$(BIN)/python scripts/gen_cli_docs.py > docs/cli.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
