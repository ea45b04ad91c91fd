# Two commands on a fresh clone: `make demo` and `make test`. Only Python >= 3.11 and make are needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint bench up clean check-federation

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/mbo demo

up: install
	$(VENV)/bin/mbo up

lint: install
	$(VENV)/bin/ruff check .

test: install lint
	$(PY) -m pytest -q

# The subgraphs composed by Apollo's own @apollo/composition (Node.js and npm needed; not part of `make test`).
check-federation: install
	$(PY) -m pytest -q -p no:cacheprovider tools/compose

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
