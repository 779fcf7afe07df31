# labkit's two commands: `make demo` (the main job) and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install test lint demo clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# setuptools notes every editable install ("Editable installation ... be careful with folders"): a notice
	# about editable installs in general, not about labkit, so it is filtered; any other warning still shows
	PYTHONWARNINGS='ignore:Editable installation' $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check labkit tests benchmarks
	$(BIN)/mypy labkit

# Debian's chromium for the end-to-end browser test (tests/test_browser.py drives it with Playwright).
browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null | head -1)"; \
	else apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; fi

test: lint browser
	$(BIN)/python -m pytest -q

demo: install
	$(BIN)/python -m labkit demo

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
