# Two entry points: `make run` (build every output from the bundled sources) and `make test`.
# Both create the local virtual environment .venv from scratch when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean-venv browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP) browser
	$(BIN)/cscplan build --out outputs

browser:
	bash scripts/ensure_chromium.sh

test: $(STAMP) browser
	$(BIN)/ruff check cscplan tests benchmarks scripts
	$(BIN)/ruff format --check cscplan tests benchmarks scripts
	$(BIN)/python -m pytest tests --nbval-lax notebooks -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check cscplan tests benchmarks scripts
	$(BIN)/ruff format cscplan tests benchmarks scripts

bench: $(STAMP)
	$(BIN)/python benchmarks/cost_engine.py

clean-venv:
	rm -rf $(VENV)
