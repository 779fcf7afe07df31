# labkit's two commands: `make demo` (the main job) and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install test lint demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check labkit tests benchmarks
	$(BIN)/mypy labkit

test: lint
	$(BIN)/python -m pytest -q

demo: install
	$(BIN)/python -m labkit demo

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
