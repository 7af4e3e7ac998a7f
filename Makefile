# Two commands for a fresh machine with python3 and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB := data/ressourceforloeb.duckdb
DEFAULT_DATASET := data/raw/default
SEED ?= 2017
PORT ?= 8501

.PHONY: run test test-all data bench bench-coverage lock install clean

install: $(STAMP)

# The virtual environment, exactly as the lockfile says (uv installs from it, hashes checked).
$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.9
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	touch $(STAMP)

# Regenerate the lockfile after changing pyproject.toml.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

# Rebuild the synthetic default dataset and publish it as a new database version.
data: $(STAMP)
	rm -rf $(DEFAULT_DATASET)
	$(BIN)/python -m etl generate --out $(DEFAULT_DATASET) --seed $(SEED)
	$(BIN)/python -m etl load $(DEFAULT_DATASET) --db $(DB)

# Start the dashboard at http://localhost:$(PORT), building the default database on first start.
run: $(STAMP)
	@test -e $(DB) || $(MAKE) data
	$(BIN)/streamlit run app.py --server.port $(PORT)

# Two workers, one per core; a test module stays on one worker (its fixtures are built once).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadscope

# Every test, the slow ones too (more data, more filters; see the `slow` marker).
test-all: $(STAMP)
	$(BIN)/python -m pytest -m ""

bench: $(STAMP)
	$(BIN)/python -m bench

# Coverage of the pool effects' 95 % intervals on generated datasets (planted and placebo).
bench-coverage: $(STAMP)
	$(BIN)/python -m bench.coverage

clean:
	rm -rf $(VENV) data/raw data/*.duckdb data/*.versions data/load .pytest_cache
